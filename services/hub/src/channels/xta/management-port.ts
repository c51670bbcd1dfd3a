import {
  buildCreateMessageIdResponse,
  buildEmptyResponse,
  buildLookupServiceResponse,
  buildTransportReportResponse,
  encryptionCertificateParameter,
  xtaError,
  type ParsedSoapRequest,
  type XtaSoapResponse,
} from '@weiche/xta';
import type { XtaIdentity } from './identities.js';
import { newMessageId } from './message-ids.js';
import { XTA_CHANNEL, XtaMeta } from './meta.js';
import { transportReportOf } from './transport-report.js';
import type { XtaRuntime } from './xta-runtime.js';

type Op<K extends ParsedSoapRequest['operation']> = Extract<ParsedSoapRequest, { operation: K }>;

function reply(request: ParsedSoapRequest): { messageId?: string } {
  return request.messageId ? { messageId: request.messageId } : {};
}

/** createMessageId: a fresh MessageID the caller then sends with. */
export function createMessageId(rt: XtaRuntime, request: Op<'createMessageId'>): XtaSoapResponse {
  return buildCreateMessageIdResponse(reply(request), newMessageId(rt.config.messageIdPrefix));
}

/** checkAccountActive: an authenticated identity is active (an unknown one never gets here: 9012). */
export function checkAccountActive(request: Op<'checkAccountActive'>): XtaSoapResponse {
  return buildEmptyResponse({ operation: 'checkAccountActive', ...reply(request) });
}

/**
 * lookupService: available when the hub serves the reader and its tenant has a route for the service —
 * the same table sendMessage checks — with the reader's encryption certificate as ServiceParameter.
 */
export function lookupService(rt: Pick<XtaRuntime, 'readers' | 'routing'>, request: Op<'lookupService'>): XtaSoapResponse {
  const results = request.payload.lookups.map((l) => {
    const reader = rt.readers.get(l.reader.value);
    if (!reader || !rt.routing.isRouted(reader.config.tenant, l.serviceType)) return { reader: l.reader, serviceType: l.serviceType, available: false };
    // the DER decoded when the keystore was opened: parsing the PEM per entry cost ~160 µs each (10,000 entries ~1.6 s)
    return { reader: l.reader, serviceType: l.serviceType, available: true, parameters: [encryptionCertificateParameter(reader.certificateDer)] };
  });
  return buildLookupServiceResponse(reply(request), results);
}

async function ownMessage(rt: XtaRuntime, identity: XtaIdentity, messageId: string) {
  const row = await rt.journal.findByChannelRef(XTA_CHANNEL, messageId);
  const meta = row ? XtaMeta.parse(row.channelMeta) : undefined;
  // another author's message is as unknown as a missing one: no probing of MessageIDs
  if (!row || !meta || meta.authorId !== identity.identifier) throw xtaError('UNKNOWN_MESSAGE_ID');
  return { row, meta };
}

/** getTransportReport: the journal's view of the caller's own message (0 open, 1 green, 2 yellow, 3 red). */
export async function getTransportReport(rt: XtaRuntime, identity: XtaIdentity, request: Op<'getTransportReport'>): Promise<XtaSoapResponse> {
  const { row, meta } = await ownMessage(rt, identity, request.payload.messageId);
  const deliveries = await rt.journal.listDeliveries(row.submissionId);
  return buildTransportReportResponse(reply(request), transportReportOf(row, meta, deliveries, rt.config.serverIdentity));
}

/**
 * cancelMessage: the hub processes a message as soon as it is received, so only a message whose NotBefore
 * lies ahead could be held back — and the hub does not hold messages back: 9101 without NotBefore, 9100 with it.
 */
export async function cancelMessage(rt: XtaRuntime, identity: XtaIdentity, request: Op<'cancelMessage'>): Promise<XtaSoapResponse> {
  const { meta } = await ownMessage(rt, identity, request.payload.messageId);
  if (!meta.messageMetaData.deliveryAttributes.notBefore) throw xtaError('NOT_BEFORE_NOT_SET');
  throw xtaError('NOT_BEFORE_PASSED', 'the message is already being processed');
}
