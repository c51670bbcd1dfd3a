import type { MsgBoxEntry, MsgBoxPosition, MsgBoxSelection } from '@weiche/journal';
import {
  buildEmptyResponse,
  buildGetMessageResponse,
  buildStatusListResponse,
  xtaError,
  type MessageMetaData,
  type MsgBoxResponse,
  type MsgSelector,
  type ParsedSoapRequest,
  type StatusListEntries,
  type XtaSoapResponse,
} from '@weiche/xta';
import type { HubMessageBox } from './message-box.js';
import type { XtaIdentity } from './identities.js';
import type { MsgBoxContinuation } from './msgbox-request-id.js';
import type { XtaRuntime } from './xta-runtime.js';

type Op<K extends ParsedSoapRequest['operation']> = Extract<ParsedSoapRequest, { operation: K }>;
const DEFAULT_LIST_ITEMS = 100;
/**
 * Most entries one status list answers, whatever maxListItems (or a continued MsgBoxRequestID) asks for: the schema
 * allows up to 999,999,999, and one request must not make the hub load and serialise a whole box at once. The answer's
 * ItemsPending and MsgBoxRequestID continue after the last entry listed, so a client pages through the rest.
 */
export const MAX_LIST_ITEMS = 1000;

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

/** A page of the caller's offered messages after `c.after`, and what a continuation after its last entry would still find. */
async function listPage(rt: XtaRuntime, identity: XtaIdentity, c: MsgBoxContinuation): Promise<{ list: MsgBoxEntry[]; itemsPending: number }> {
  const list = await rt.store.listOffered(identity.identifier, { limit: Math.min(c.limit, MAX_LIST_ITEMS), ...c.selection, ...(c.after ? { after: c.after } : {}) });
  const last = list.at(-1);
  return { list, itemsPending: last ? await rt.store.countOffered(identity.identifier, { ...c.selection, after: last.position }) : 0 };
}

function pageResponse(requestId: string, page: { list: MsgBoxEntry[]; itemsPending: number }): MsgBoxResponse {
  return page.list.length === 0 ? { requestId, noMessageAvailable: 'NoMatch' } : { requestId, itemsPending: page.itemsPending };
}

// a listing another request moves on at the same moment is read again; more than this many times in a row is a fault
const MAX_CONTINUE_ATTEMPTS = 5;

/**
 * One step of the listing a MsgBoxRequestID names: `step` works on where it stands and says the entry it delivered
 * last (none: the listing stays); the listing moves on to it only if no other request moved it meanwhile, else the
 * step is taken again from the new position. Undefined for an id that names no listing of the caller's.
 */
async function continueListing<T>(rt: XtaRuntime, identity: XtaIdentity, id: string, step: (c: MsgBoxContinuation) => Promise<{ result: T; last?: MsgBoxPosition | undefined }>): Promise<T | undefined> {
  for (let attempt = 0; attempt < MAX_CONTINUE_ATTEMPTS; attempt += 1) {
    const listing = await rt.listings.read(identity.identifier, id);
    if (!listing) return undefined;
    const { result, last } = await step(listing.continuation);
    if (!last || (await rt.listings.advance(identity.identifier, id, listing, { ...listing.continuation, after: last }))) return result;
  }
  throw xtaError('INTERNAL_ERROR', 'the MsgBoxRequestID is used by too many requests at once');
}

/**
 * MsgBoxGetNextRequest/LastMsgReceived: the client acknowledges the messages it received under the request, as in a
 * MsgBoxCloseRequest (the same element) — they count as fetched and are not offered again. A MessageID not in the
 * caller's box closes nothing (a repeated request names ones closed already).
 */
async function commitReceived(rt: XtaRuntime, identity: XtaIdentity, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await rt.store.close(identity.identifier, ids);
}

/**
 * getStatusList / getNextStatusList: the caller's own offered messages (unclosed ones are listed again). getNextStatusList
 * continues the request its MsgBoxRequestID names (same selection, form and size) after the entries listed under it, and
 * closes the ones LastMsgReceived names; an id the hub did not issue is answered NoMessageAvailable RequestIdInvalid (OSCI2_02.xsd MsgBoxReasonEnum).
 */
export async function getStatusList(rt: XtaRuntime, identity: XtaIdentity, request: Op<'getStatusList'> | Op<'getNextStatusList'>): Promise<XtaSoapResponse> {
  const reply_ = { operation: request.operation, ...reply(request) };
  if (request.operation === 'getNextStatusList') {
    await commitReceived(rt, identity, request.payload.lastMsgReceived);
    const id = request.payload.msgBoxRequestId;
    const answered = await continueListing(rt, identity, id, async (c) => {
      const page = await listPage(rt, identity, c);
      return { result: buildStatusListResponse(reply_, { msgBoxResponse: pageResponse(id, page), entries: entriesOf(page.list, c.form) }), last: page.list.at(-1)?.position };
    });
    return answered ?? buildStatusListResponse(reply_, { msgBoxResponse: { requestId: id, noMessageAvailable: 'RequestIdInvalid' }, entries: entriesOf([], undefined) });
  }
  const { maxListItems, selector, listForm } = request.payload;
  const c: MsgBoxContinuation = { selection: selector ? selectionOf(selector) : {}, form: listForm, limit: maxListItems ?? DEFAULT_LIST_ITEMS };
  const page = await listPage(rt, identity, c);
  const id = await rt.listings.open(identity.identifier, { ...c, after: page.list.at(-1)?.position });
  return buildStatusListResponse(reply_, { msgBoxResponse: pageResponse(id, page), entries: entriesOf(page.list, listForm) });
}

async function answerWith(rt: XtaRuntime, box: HubMessageBox, identity: XtaIdentity, request: Op<'getMessage'> | Op<'getNextMessage'>, entry: MsgBoxEntry, c: MsgBoxContinuation, requestId: string): Promise<XtaSoapResponse> {
  const row = await rt.journal.getSubmission(entry.submissionId);
  if (!row) throw xtaError('INTERNAL_ERROR');
  const content = await box.content(entry, row.tenantId);
  // pending: what a getNextMessage with this answer's id would still find
  const pending = await rt.store.countOffered(identity.identifier, { ...c.selection, after: entry.position });
  // MsgPart="Body": the message's SOAP body without its header blocks' MessageMetaData (getStatusList lists that)
  const bodyOnly = request.operation === 'getMessage' && request.payload.msgPart === 'Body';
  return buildGetMessageResponse(
    { operation: request.operation, ...reply(request) },
    {
      msgBoxResponse: { requestId, itemsPending: pending },
      ...(bodyOnly ? {} : { messageMetaData: entry.meta as unknown as MessageMetaData }),
      container: { kind: 'plain', message: content.message, attachments: content.attachments },
      // answer in the form the client speaks: MTOM to MTOM clients (CXF), inline otherwise
      mtom: request.mtom,
    },
  );
}

/**
 * getMessage: one message of the caller's own box by MessageID; another identity's message is unknown (9070). Without a
 * MessageID (XTA.wsdl: "returns the first message relating to the given parameter") the oldest offered message the
 * MsgSelector selects (RelatesTo, entry time, newEntry; none: the oldest of the box), and 9070 when none does.
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
  const selection = selectionOf(request.payload.selector);
  const c: MsgBoxContinuation = { selection, limit: 1 };
  const id = request.payload.selector.messageIds[0] ?? (await rt.store.listOffered(identity.identifier, { limit: 1, ...selection }))[0]?.messageId;
  if (!id) throw xtaError('UNKNOWN_MESSAGE_ID', 'no message of the box matches the MsgSelector');
  const entry = await rt.store.fetch(identity.identifier, id);
  if (!entry) throw xtaError('UNKNOWN_MESSAGE_ID');
  return answerWith(rt, box, identity, request, entry, c, await rt.listings.open(identity.identifier, { ...c, after: entry.position }));
}

/**
 * getNextMessage: the next offered message of the request its MsgBoxRequestID names (a getMessage's or a status list's
 * selection, after the entry answered under it); the ones LastMsgReceived names are closed first. An id the hub did not
 * issue is 9070.
 */
export async function getNextMessage(rt: XtaRuntime, box: HubMessageBox, identity: XtaIdentity, request: Op<'getNextMessage'>): Promise<XtaSoapResponse> {
  await commitReceived(rt, identity, request.payload.lastMsgReceived);
  const id = request.payload.msgBoxRequestId;
  // the listing moves on past the entry before its content is read: a getNextMessage at the same moment gets the next one
  const found = await continueListing(rt, identity, id, async (c) => {
    const [next] = await rt.store.listOffered(identity.identifier, { limit: 1, ...c.selection, ...(c.after ? { after: c.after } : {}) });
    return { result: next ? { next, c } : undefined, last: next?.position };
  });
  if (found === undefined) throw xtaError('UNKNOWN_MESSAGE_ID', 'the MsgBoxRequestID names no listing of this message box (unknown or expired): start with getStatusList or getMessage');
  if (!found) throw xtaError('UNKNOWN_MESSAGE_ID', 'no further message is offered');
  const entry = await rt.store.fetch(identity.identifier, found.next.messageId);
  if (!entry) throw xtaError('UNKNOWN_MESSAGE_ID');
  return answerWith(rt, box, identity, request, entry, found.c, id);
}

/**
 * close: the named messages of the caller's own box count as fetched; a MessageID not in its box is 9070 and closes none.
 * Either way (LastMsgReceived is optional, OSCI2_02.xsd) it closes the fetch iterator its MsgBoxRequestID names
 * (XTA.wsdl close): the listing is ended, and a getNext with that id is RequestIdInvalid, as for an expired one.
 */
export async function closeMessages(rt: XtaRuntime, identity: XtaIdentity, request: Op<'close'>): Promise<XtaSoapResponse> {
  const ids = request.payload.lastMsgReceived;
  if (ids.length > 0) {
    // all or nothing: a fault after closing some would tell the caller that none was closed
    const known = await rt.store.inBox(identity.identifier, ids);
    if (ids.some((id) => !known.has(id))) throw xtaError('UNKNOWN_MESSAGE_ID');
    // already closed earlier is fine (a repeated close)
    await rt.store.close(identity.identifier, ids);
  }
  await rt.listings.end(identity.identifier, request.payload.msgBoxRequestId);
  return buildEmptyResponse({ operation: 'close', ...reply(request) });
}
