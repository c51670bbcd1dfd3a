import { randomUUID } from 'node:crypto';
import type { MsgBoxEntry, MsgBoxSelection } from '@weiche/journal';
import {
  buildEmptyResponse,
  buildGetMessageResponse,
  buildStatusListResponse,
  xtaError,
  type MessageMetaData,
  type MsgSelector,
  type ParsedSoapRequest,
  type StatusListEntries,
  type XtaSoapResponse,
} from '@weiche/xta';
import type { HubMessageBox } from './message-box.js';
import type { XtaIdentity } from './identities.js';
import type { XtaRuntime } from './xta-runtime.js';

type Op<K extends ParsedSoapRequest['operation']> = Extract<ParsedSoapRequest, { operation: K }>;
const DEFAULT_LIST_ITEMS = 100;

function reply(request: ParsedSoapRequest): { messageId?: string } {
  return request.messageId ? { messageId: request.messageId } : {};
}

function entriesOf(list: readonly MsgBoxEntry[], form: 'MsgAttributes' | 'MessageMetaData' | undefined): StatusListEntries {
  if (form === 'MsgAttributes') {
    return {
      msgAttributes: list.map((e) => {
        const meta = e.meta as unknown as MessageMetaData;
        const scenario = meta.qualifier.businessScenario;
        return {
          messageId: e.messageId,
          typeOfBusinessScenario: scenario.kind === 'defined' ? scenario.code.code : scenario.value,
          msgSize: e.packageSize,
          deliveryTime: e.offeredAt,
          ...(e.firstFetchedAt ? { initialFetchedTime: e.firstFetchedAt } : {}),
        };
      }),
    };
  }
  return { messageMetaData: list.map((e) => e.meta as unknown as MessageMetaData) };
}

/** What a MsgSelector selects: each part given narrows the list (`newEntry="false"` leaves it as it is). */
function selectionOf(selector: MsgSelector): MsgBoxSelection {
  return {
    messageIds: selector.messageIds,
    relatesTo: selector.relatesTo,
    ...(selector.entryTimeFrom ? { from: selector.entryTimeFrom } : {}),
    ...(selector.entryTimeTo ? { to: selector.entryTimeTo } : {}),
    ...(selector.newEntry === true ? { newOnly: true } : {}),
  };
}

/** getStatusList / getNextStatusList: the caller's own offered messages (unclosed ones are listed again). */
export async function getStatusList(rt: XtaRuntime, identity: XtaIdentity, request: Op<'getStatusList'> | Op<'getNextStatusList'>): Promise<XtaSoapResponse> {
  const limit = request.operation === 'getStatusList' ? (request.payload.maxListItems ?? DEFAULT_LIST_ITEMS) : DEFAULT_LIST_ITEMS;
  const selection = request.operation === 'getStatusList' && request.payload.selector ? selectionOf(request.payload.selector) : {};
  const skip = new Set(request.operation === 'getNextStatusList' ? request.payload.lastMsgReceived : []);
  const list = (await rt.store.listOffered(identity.identifier, { limit: limit + skip.size, ...selection })).filter((e) => !skip.has(e.messageId)).slice(0, limit);
  const total = await rt.store.countOffered(identity.identifier, selection);
  const requestId = request.operation === 'getNextStatusList' ? request.payload.msgBoxRequestId : randomUUID();
  const msgBoxResponse = list.length === 0 ? { requestId, noMessageAvailable: 'NoMatch' as const } : { requestId, itemsPending: Math.max(0, total - list.length - skip.size) };
  const form = request.operation === 'getStatusList' ? request.payload.listForm : undefined;
  return buildStatusListResponse({ operation: request.operation, ...reply(request) }, { msgBoxResponse, entries: entriesOf(list, form) });
}

async function answerWith(rt: XtaRuntime, box: HubMessageBox, identity: XtaIdentity, request: Op<'getMessage'> | Op<'getNextMessage'>, entry: MsgBoxEntry, requestId: string): Promise<XtaSoapResponse> {
  const row = await rt.journal.getSubmission(entry.submissionId);
  if (!row) throw xtaError('INTERNAL_ERROR');
  const content = await box.content(entry, row.tenantId);
  const pending = await rt.store.countOffered(identity.identifier);
  // MsgPart="Body": the message's SOAP body without its header blocks' MessageMetaData (getStatusList lists that)
  const bodyOnly = request.operation === 'getMessage' && request.payload.msgPart === 'Body';
  return buildGetMessageResponse(
    { operation: request.operation, ...reply(request) },
    {
      msgBoxResponse: { requestId, itemsPending: Math.max(0, pending - (entry.status === 'offered' ? 1 : 0)) },
      ...(bodyOnly ? {} : { messageMetaData: entry.meta as unknown as MessageMetaData }),
      container: { kind: 'plain', message: content.message, attachments: content.attachments },
      // answer in the form the client speaks: MTOM to MTOM clients (CXF), inline otherwise
      mtom: request.mtom,
    },
  );
}

/**
 * getMessage: one message of the caller's own box by MessageID; another identity's message is unknown (9070).
 * `MsgPart` (OSCI2_02.xsd MsgBoxFetchRequest): `Envelope` (the default) answers the whole message, `Body` its body
 * without the MessageMetaData header. `Header` alone cannot be answered: the XTA 2 WSDL's getMessage output is
 * GenericContainerBody, whose GenericContentContainer is required — a body-less answer would break every generated
 * client — so it is 9022 naming what to use instead (getStatusList with ListForm MessageMetaData), and nothing counts
 * as fetched.
 */
export async function getMessage(rt: XtaRuntime, box: HubMessageBox, identity: XtaIdentity, request: Op<'getMessage'>): Promise<XtaSoapResponse> {
  if (request.payload.msgPart === 'Header') {
    throw xtaError('INVALID_PARAMETER_COMBINATION', 'MsgPart="Header" is not supported: the getMessage answer always carries the GenericContentContainer; the MessageMetaData of the box is listed by getStatusList with ListForm="MessageMetaData"');
  }
  const id = request.payload.selector.messageIds[0];
  if (!id) throw xtaError('NO_PARAMETERS', 'MsgSelector needs a wsa:MessageID');
  const entry = await rt.store.fetch(identity.identifier, id);
  if (!entry) throw xtaError('UNKNOWN_MESSAGE_ID');
  return answerWith(rt, box, identity, request, entry, randomUUID());
}

/** getNextMessage: the oldest offered message not named in LastMsgReceived. */
export async function getNextMessage(rt: XtaRuntime, box: HubMessageBox, identity: XtaIdentity, request: Op<'getNextMessage'>): Promise<XtaSoapResponse> {
  const skip = new Set(request.payload.lastMsgReceived);
  const next = (await rt.store.listOffered(identity.identifier, { limit: skip.size + 1 })).find((e) => !skip.has(e.messageId));
  if (!next) throw xtaError('UNKNOWN_MESSAGE_ID', 'no further message is offered');
  const entry = await rt.store.fetch(identity.identifier, next.messageId);
  if (!entry) throw xtaError('UNKNOWN_MESSAGE_ID');
  return answerWith(rt, box, identity, request, entry, request.payload.msgBoxRequestId);
}

/** close: the named messages of the caller's own box count as fetched; a MessageID not in its box is 9070 and closes none. */
export async function closeMessages(rt: XtaRuntime, identity: XtaIdentity, request: Op<'close'>): Promise<XtaSoapResponse> {
  const ids = request.payload.lastMsgReceived;
  if (ids.length === 0) throw xtaError('NO_PARAMETERS', 'MsgBoxCloseRequest needs LastMsgReceived');
  // all or nothing: a fault after closing some would tell the caller that none was closed
  const known = await rt.store.inBox(identity.identifier, ids);
  if (ids.some((id) => !known.has(id))) throw xtaError('UNKNOWN_MESSAGE_ID');
  // already closed earlier is fine (a repeated close)
  await rt.store.close(identity.identifier, ids);
  return buildEmptyResponse({ operation: 'close', ...reply(request) });
}
