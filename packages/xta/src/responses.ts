import { XTA_ACTIONS } from './operations.js';
import type { XtaOperation } from './operations.js';
import { MtomCollector, plainResponse, soapEnvelope } from './soap-envelope.js';
import type { ReplyContext, XtaSoapResponse } from './soap-envelope.js';
import { messageMetaDataXml, partyXml } from './message-metadata.js';
import type { KeyCode, MessageMetaData, PartyIdentifier } from './message-metadata.js';
import { genericContentContainerXml } from './content-container.js';
import type { GenericContentContainer } from './content-container.js';
import { escapeXml } from './xml-tree.js';

type Reply<K extends XtaOperation> = ReplyContext & { readonly operation: K };

function respond(op: XtaOperation, reply: ReplyContext, body: string, headers = ''): XtaSoapResponse {
  const action = XTA_ACTIONS[op];
  return plainResponse(soapEnvelope({ action, reply, headers, body }), action);
}

/** Answers an operation whose WSDL output is `EmptyBody` (checkAccountActive, cancelMessage, sendMessage, close). */
export function buildEmptyResponse(request: Reply<'checkAccountActive' | 'cancelMessage' | 'sendMessage' | 'close'>): XtaSoapResponse {
  return respond(request.operation, request, '');
}

/** Answers createMessageId with the new `wsa:MessageID` in the body. */
export function buildCreateMessageIdResponse(request: ReplyContext, messageId: string): XtaSoapResponse {
  return respond('createMessageId', request, `<wsa:MessageID>${escapeXml(messageId)}</wsa:MessageID>`);
}

/** A `ServiceParameter` of a lookup result (`xta:Code.ServiceParameterType` + base64 resource). */
export interface ServiceParameter {
  readonly parameterType: Omit<KeyCode, 'name'>;
  readonly resource: Buffer;
}

/** One answer of lookupService. */
export interface LookupServiceResult {
  readonly reader: PartyIdentifier;
  readonly serviceType: string;
  readonly available: boolean | 'unknown';
  readonly parameters?: readonly ServiceParameter[];
}

/**
 * Code of the encryption-certificate parameter. KoSIT announces the list
 * `urn:de:xta:codeliste:service.parameter.type` (XTA-Webservice-Datentypen.xsd, Code.ServiceParameterType);
 * the code value (DER certificate) is the hub's choice until the list is published — override it where a partner needs another.
 */
export const ENCRYPTION_CERTIFICATE_PARAMETER: Omit<KeyCode, 'name'> = {
  code: 'ENCRYPTION_CERTIFICATE',
  listUri: 'urn:de:xta:codeliste:service.parameter.type',
  listVersionId: '1.0',
};

/** The reader's encryption certificate (DER bytes) as a ServiceParameter. */
export function encryptionCertificateParameter(certificateDer: Buffer, parameterType: Omit<KeyCode, 'name'> = ENCRYPTION_CERTIFICATE_PARAMETER): ServiceParameter {
  return { parameterType, resource: certificateDer };
}

// Code.ServiceParameterType and Code.RecordType restrict xoev-dt:Code to `code` alone (no `name`).
function codeXml(qname: string, k: Omit<KeyCode, 'name'>): string {
  return `<${qname} listURI="${escapeXml(k.listUri)}" listVersionID="${escapeXml(k.listVersionId)}"><code>${escapeXml(k.code)}</code></${qname}>`;
}

/** Answers lookupService; each result names the reader and, where known, its ServiceParameters (e.g. its certificate). */
export function buildLookupServiceResponse(request: ReplyContext, results: readonly LookupServiceResult[]): XtaSoapResponse {
  const items = results
    .map((r) => {
      const value = r.available === 'unknown' ? '<xta:ServiceIsAvailableUnknown>true</xta:ServiceIsAvailableUnknown>' : `<xta:ServiceIsAvailable>${r.available}</xta:ServiceIsAvailable>`;
      const params = (r.parameters ?? [])
        .map((p) => `<xta:ServiceParameter>${codeXml('xta:ParameterType', p.parameterType)}<xta:Resource>${p.resource.toString('base64')}</xta:Resource></xta:ServiceParameter>`)
        .join('');
      return (
        `<xta:LookupServiceResult>${partyXml('oscimeta:Reader', r.reader)}<xta:ServiceType>${escapeXml(r.serviceType)}</xta:ServiceType>` +
        `<xta:IsServiceAvailableValue>${value}</xta:IsServiceAvailableValue>${params}</xta:LookupServiceResult>`
      );
    })
    .join('');
  return respond('lookupService', request, `<xta:LookupServiceResponse><xta:LookupServiceResultList>${items}</xta:LookupServiceResultList></xta:LookupServiceResponse>`);
}

/** `MessageStatus/Status` of a TransportReport. */
export const TransportStatus = { OPEN: 0, GREEN: 1, YELLOW: 2, RED: 3 } as const;
/** 0 open, 1 green (delivered), 2 yellow, 3 red. */
export type TransportStatus = (typeof TransportStatus)[keyof typeof TransportStatus];

/** Default code list of report records, as announced by KoSIT (XTA-Webservice-Datentypen.xsd, Code.RecordType). */
export const RECORD_TYPE_LIST = { listUri: 'urn:de:xta:codeliste:record.type', listVersionId: '1.0' } as const;

/** One error/warning/info record of a TransportReport (the reason must not contain personal data). */
export interface TransportRecord {
  readonly timestamp: Date;
  readonly code: string;
  readonly reason: string;
  readonly listUri?: string;
  readonly listVersionId?: string;
}

/** The sender's view of what happened to its message. */
export interface TransportReport {
  readonly messageMetaData: MessageMetaData;
  readonly reportTime: Date;
  readonly serverIdentity: string;
  readonly status: TransportStatus;
  readonly errors?: readonly TransportRecord[];
  readonly warnings?: readonly TransportRecord[];
  readonly infos?: readonly TransportRecord[];
}

function recordsXml(list: string, item: string, records: readonly TransportRecord[] | undefined): string {
  if (!records || records.length === 0) return '';
  const inner = records
    .map(
      (r) =>
        `<xta:${item}><xta:Timestamp>${r.timestamp.toISOString()}</xta:Timestamp>` +
        codeXml('xta:Code', { code: r.code, listUri: r.listUri ?? RECORD_TYPE_LIST.listUri, listVersionId: r.listVersionId ?? RECORD_TYPE_LIST.listVersionId }) +
        `<xta:Reason>${escapeXml(r.reason)}</xta:Reason></xta:${item}>`,
    )
    .join('');
  return `<xta:${list}>${inner}</xta:${list}>`;
}

/** Serialises an `xta:TransportReport` element. */
export function transportReportXml(r: TransportReport): string {
  return (
    `<xta:TransportReport>${messageMetaDataXml(r.messageMetaData)}<xta:ReportTime>${r.reportTime.toISOString()}</xta:ReportTime>` +
    `<xta:XTAServerIdentity>${escapeXml(r.serverIdentity)}</xta:XTAServerIdentity>` +
    `<xta:MessageStatus><xta:Status>${r.status}</xta:Status>${recordsXml('ErrorList', 'Error', r.errors)}` +
    `${recordsXml('WarnList', 'Warning', r.warnings)}${recordsXml('InfoList', 'Info', r.infos)}</xta:MessageStatus></xta:TransportReport>`
  );
}

/** Answers getTransportReport. */
export function buildTransportReportResponse(request: ReplyContext, report: TransportReport): XtaSoapResponse {
  return respond('getTransportReport', request, transportReportXml(report));
}

/** `osci:MsgBoxResponse` header: items still pending, or why nothing is available. */
export type MsgBoxResponse =
  | { readonly requestId: string; readonly itemsPending: number }
  | { readonly requestId: string; readonly noMessageAvailable: 'NoMatch' | 'SearchArgsInvalid' | 'RequestIdInvalid' };

/** Serialises the `osci:MsgBoxResponse` header block. */
export function msgBoxResponseXml(r: MsgBoxResponse): string {
  const inner =
    'itemsPending' in r
      ? `<osci:ItemsPending>${Math.max(0, Math.trunc(r.itemsPending))}</osci:ItemsPending>`
      : `<osci:NoMessageAvailable reason="http://www.osci.eu/ws/2008/05/transport/MsgBox/reasons/${r.noMessageAvailable}"/>`;
  return `<osci:MsgBoxResponse MsgBoxRequestID="${escapeXml(r.requestId)}">${inner}</osci:MsgBoxResponse>`;
}

/** A `MsgAttributes` list entry (ListForm MsgAttributes). */
export interface MsgAttributes {
  readonly messageId: string;
  readonly typeOfBusinessScenario: string;
  readonly msgSize: number;
  readonly deliveryTime: Date;
  readonly initialFetchedTime?: Date;
}

/** Status list content: MessageMetaData per message (XTA's usual form) or OSCI MsgAttributes. */
export type StatusListEntries = { readonly messageMetaData: readonly MessageMetaData[] } | { readonly msgAttributes: readonly MsgAttributes[] };

/** Answers getStatusList / getNextStatusList with `osci:MsgBoxResponse` header and `osci:MsgStatusList` body. */
export function buildStatusListResponse(
  request: Reply<'getStatusList' | 'getNextStatusList'>,
  data: { readonly msgBoxResponse: MsgBoxResponse; readonly entries: StatusListEntries },
): XtaSoapResponse {
  const e = data.entries;
  const list =
    'messageMetaData' in e
      ? e.messageMetaData.map(messageMetaDataXml).join('')
      : e.msgAttributes
          .map(
            (a) =>
              `<osci:MsgAttributes><wsa:MessageID>${escapeXml(a.messageId)}</wsa:MessageID>` +
              `<osci:TypeOfBusinessScenario>${escapeXml(a.typeOfBusinessScenario)}</osci:TypeOfBusinessScenario>` +
              `<osci:MsgSize>${a.msgSize}</osci:MsgSize><osci:DeliveryTime>${a.deliveryTime.toISOString()}</osci:DeliveryTime>` +
              (a.initialFetchedTime ? `<osci:InitialFetchedTime>${a.initialFetchedTime.toISOString()}</osci:InitialFetchedTime>` : '') +
              '</osci:MsgAttributes>',
          )
          .join('');
  return respond(request.operation, request, `<osci:MsgStatusList>${list}</osci:MsgStatusList>`, msgBoxResponseXml(data.msgBoxResponse));
}

/** Answers getMessage / getNextMessage: MessageMetaData + MsgBoxResponse headers, GenericContentContainer body (inline, or MTOM). */
export function buildGetMessageResponse(
  request: Reply<'getMessage' | 'getNextMessage'>,
  data: {
    readonly msgBoxResponse: MsgBoxResponse;
    /** Absent for a fetch of the message's body only (MsgBoxFetchRequest `MsgPart="Body"`). */
    readonly messageMetaData?: MessageMetaData;
    readonly container: GenericContentContainer;
    readonly mtom?: boolean;
  },
): XtaSoapResponse {
  const action = XTA_ACTIONS[request.operation];
  const headers = (data.messageMetaData ? messageMetaDataXml(data.messageMetaData) : '') + msgBoxResponseXml(data.msgBoxResponse);
  if (data.mtom && data.container.kind === 'plain') {
    const mtom = new MtomCollector();
    const body = genericContentContainerXml(data.container, mtom.write);
    return mtom.response(soapEnvelope({ action, reply: request, headers, body, xop: true }), action);
  }
  return plainResponse(soapEnvelope({ action, reply: request, headers, body: genericContentContainerXml(data.container) }), action);
}

/** Answers sendMessageSync where a route supports it: the reply's MessageMetaData header and GenericContentContainer body. */
export function buildSendMessageSyncResponse(
  request: ReplyContext,
  data: { readonly messageMetaData: MessageMetaData; readonly container: GenericContentContainer },
): XtaSoapResponse {
  return respond('sendMessageSync', request, genericContentContainerXml(data.container), messageMetaDataXml(data.messageMetaData));
}
