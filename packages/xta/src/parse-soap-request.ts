import { NS_OSCI, NS_OSCIMETA, NS_SOAP11, NS_SOAP12, NS_WSA, NS_XTA } from './namespaces.js';
import { normalizeContentId, parseMediaType, splitMultipart } from './mime-multipart.js';
import { operationForAction, WSA_ANONYMOUS } from './operations.js';
import type { XtaOperation } from './operations.js';
import { parseMessageMetaData, parseParty } from './message-metadata.js';
import type { MessageMetaData, PartyIdentifier } from './message-metadata.js';
import { parseGenericContentContainer } from './content-container.js';
import type { GenericContentContainer, XopResolver } from './content-container.js';
import { attrValue, childNamed, childrenNamed, parseXmlTree } from './xml-tree.js';
import type { XmlElement } from './xml-tree.js';
import { xtaError } from './xta-errors.js';
import { requestAction } from './request-action.js';
import { xsDateTimeInstant } from './xsd-date-time.js';
import type { XtaFault } from './xta-errors.js';

/** Size limits, all checked before the bytes they guard are parsed or decoded. */
export interface XtaLimits {
  /** Whole HTTP body (XML or multipart); over it is fault 9023 before anything is parsed. */
  readonly maxBodyBytes: number;
  /** Decoded content container (message + attachments, or the ciphertext); XTA's default is 40 MB. */
  readonly maxContainerBytes: number;
  /** MIME parts of an MTOM body. */
  readonly maxParts: number;
}

/** XTA's rule: a content container must not exceed 40 MB unless the service profile says otherwise. */
export const DEFAULT_XTA_LIMITS: XtaLimits = { maxBodyBytes: 64 * 1024 * 1024, maxContainerBytes: 40 * 1024 * 1024, maxParts: 64 };

/** `osci:MsgSelector`. */
export interface MsgSelector {
  readonly messageIds: readonly string[];
  readonly relatesTo: readonly string[];
  /** MsgBoxEntryTimeFrom / MsgBoxEntryTimeTo as instants (xs:dateTime; one without a zone read as UTC). */
  readonly entryTimeFrom?: Date;
  readonly entryTimeTo?: Date;
  readonly newEntry?: boolean;
}

/** Typed request payload per operation. */
export interface XtaRequestPayloads {
  createMessageId: Record<string, never>;
  checkAccountActive: Record<string, never>;
  lookupService: { readonly lookups: readonly { readonly reader: PartyIdentifier; readonly serviceType: string }[] };
  getTransportReport: { readonly messageId: string };
  cancelMessage: { readonly messageId: string };
  sendMessage: { readonly messageMetaData: MessageMetaData; readonly container: GenericContentContainer };
  sendMessageSync: { readonly messageMetaData: MessageMetaData; readonly container: GenericContentContainer };
  getStatusList: {
    readonly maxListItems?: number;
    readonly listForm?: 'MsgAttributes' | 'MessageMetaData';
    readonly selector?: MsgSelector;
  };
  getMessage: { readonly selector: MsgSelector; readonly msgPart: 'Envelope' | 'Header' | 'Body' };
  getNextMessage: { readonly msgBoxRequestId: string; readonly lastMsgReceived: readonly string[] };
  getNextStatusList: { readonly msgBoxRequestId: string; readonly lastMsgReceived: readonly string[] };
  close: { readonly msgBoxRequestId: string; readonly lastMsgReceived: readonly string[] };
}

interface SoapRequestBase {
  readonly soapVersion: '1.2';
  /** wsa:Action (or the media type's `action` parameter when the header is absent). */
  readonly action: string;
  readonly messageId?: string;
  readonly to?: string;
  readonly replyTo?: string;
  readonly header: {
    readonly messageMetaData?: MessageMetaData;
    /** `oscimeta:Author` header (XTAHeader part AuthorIdentifier). */
    readonly author?: PartyIdentifier;
  };
  /** True when the body came as MTOM/XOP multipart. */
  readonly mtom: boolean;
}

/** A parsed XTA SOAP request, discriminated by `operation`. */
export type ParsedSoapRequest = {
  [K in XtaOperation]: SoapRequestBase & { readonly operation: K; readonly payload: XtaRequestPayloads[K] };
}[XtaOperation];

/** A SOAP message split from its transport form: the root XML element and, under MTOM, the resolver of its binary parts. */
export interface Envelope {
  root: XmlElement;
  resolveXop: XopResolver | undefined;
  mtom: boolean;
  /** Every action the media types name (under MTOM: the root part's, start-info's and the root type's, the outer one). */
  mediaActions: readonly string[];
}

// The root part types of a multipart/related message read here: MTOM/XOP's, and SOAP 1.2 with attachments'.
const MULTIPART_ROOT_TYPES = new Set(['application/xop+xml', 'application/soap+xml']);

/**
 * A media type the hub does not read (none, another one, a multipart/related of another root type): HTTP 415
 * (RFC 9110 §15.5.16, SOAP 1.2 Part 2 §7.5.2.2), with the SOAP fault every other refusal carries in its body.
 */
export function unsupportedMediaType(what: string): XtaFault {
  return xtaError('PROFILE_VIOLATION', `${what}: expected application/soap+xml or MTOM multipart/related; type="application/xop+xml"`, { httpStatus: 415 });
}

/** Splits an inline or MTOM (multipart/related) SOAP message into its envelope and binary parts; shared by requests and responses. */
export function splitEnvelope(body: Buffer, contentType: string, limits: XtaLimits): Envelope {
  const media = parseMediaType(contentType);
  if (media.type === 'multipart/related') {
    // RFC 2387 §3.1: `type` names the root part's media type; a sender that leaves it out is judged by the root part
    const rootType = media.params.get('type')?.trim().toLowerCase();
    if (rootType !== undefined && !MULTIPART_ROOT_TYPES.has(rootType)) throw unsupportedMediaType(`multipart/related of type ${rootType}`);
    const boundary = media.params.get('boundary');
    if (!boundary) throw xtaError('PROFILE_VIOLATION', 'multipart/related without boundary');
    const parts = splitMultipart(body, boundary, limits.maxParts);
    const start = media.params.get('start');
    const root = start === undefined ? parts[0] : parts.find((p) => p.contentId === normalizeContentId(start));
    if (!root) throw xtaError('PROFILE_VIOLATION', 'MTOM root part (start) not found');
    const rootMedia = parseMediaType(root.contentType);
    if (!MULTIPART_ROOT_TYPES.has(rootMedia.type)) {
      throw xtaError('PROFILE_VIOLATION', 'MTOM root part must be application/xop+xml');
    }
    const byId = new Map(parts.filter((p) => p !== root && p.contentId !== undefined).map((p) => [p.contentId as string, p.body]));
    // RFC 2392: a Content-ID names one part; with two, which bytes an xop:Include means depends on the reader
    const ids = parts.flatMap((p) => (p.contentId === undefined ? [] : [p.contentId]));
    if (new Set(ids).size !== ids.length) throw xtaError('PROFILE_VIOLATION', 'two MIME parts share a Content-ID');
    const actionOf = (type: string | undefined) => (type ? parseMediaType(type).params.get('action') : undefined);
    const startInfo = media.params.get('start-info');
    const mediaActions = actionsOf([rootMedia.params.get('action'), actionOf(startInfo), actionOf(rootMedia.params.get('type')), media.params.get('action')]);
    return { root: parseXmlTree(root.body), resolveXop: (href) => byId.get(normalizeContentId(href)), mtom: true, mediaActions };
  }
  // text/xml is SOAP 1.1's media type; let the envelope namespace decide so the client gets a VersionMismatch.
  if (media.type !== 'application/soap+xml' && media.type !== 'text/xml' && media.type !== 'application/xml') {
    throw unsupportedMediaType(media.type ? `unsupported media type ${media.type}` : 'no Content-Type');
  }
  const mediaActions = actionsOf([media.params.get('action')]);
  return { root: parseXmlTree(body), resolveXop: undefined, mtom: false, mediaActions };
}

function actionsOf(candidates: readonly (string | undefined)[]): string[] {
  return candidates.map((a) => a?.trim()).filter((a): a is string => a !== undefined && a !== '');
}

function headerText(header: XmlElement | undefined, local: string): string | undefined {
  const el = header ? childNamed(header, NS_WSA, local) : undefined;
  const t = el?.text.trim();
  return t ? t : undefined;
}

function bodyElement(body: XmlElement, ns: string, local: string): XmlElement {
  const el = body.children[0];
  if (!el || body.children.length !== 1) throw xtaError('NO_PARAMETERS', `SOAP Body must hold exactly one ${local}`);
  if (el.ns !== ns || el.local !== local) {
    throw xtaError('INVALID_PARAMETER_COMBINATION', `SOAP Body holds {${el.ns}}${el.local}, the action expects {${ns}}${local}`);
  }
  return el;
}

function messageIdBody(body: XmlElement): string {
  const t = bodyElement(body, NS_WSA, 'MessageID').text.trim();
  if (!t) throw xtaError('NO_PARAMETERS', 'wsa:MessageID in the body is empty');
  return t;
}

function selectorInstant(el: XmlElement, local: string): Date | undefined {
  const text = childNamed(el, NS_OSCI, local)?.text.trim();
  if (text === undefined) return undefined;
  const instant = xsDateTimeInstant(text);
  // a time the hub cannot read would select every message instead of the ones asked for
  if (!instant) throw xtaError('INVALID_PARAMETER_COMBINATION', `MsgSelector/${local} is not an xs:dateTime in the years 1 to 9999`);
  return instant;
}

function parseSelector(el: XmlElement): MsgSelector {
  const from = selectorInstant(el, 'MsgBoxEntryTimeFrom');
  const to = selectorInstant(el, 'MsgBoxEntryTimeTo');
  const newEntry = attrValue(el, 'newEntry')?.trim();
  if (newEntry !== undefined && !['true', 'false', '1', '0'].includes(newEntry)) throw xtaError('INVALID_PARAMETER_COMBINATION', 'MsgSelector/@newEntry is not an xs:boolean');
  return {
    messageIds: childrenNamed(el, NS_WSA, 'MessageID').map((m) => m.text.trim()),
    relatesTo: childrenNamed(el, NS_WSA, 'RelatesTo').map((m) => m.text.trim()),
    ...(from ? { entryTimeFrom: from } : {}),
    ...(to ? { entryTimeTo: to } : {}),
    ...(newEntry === undefined ? {} : { newEntry: newEntry === 'true' || newEntry === '1' }),
  };
}

/** An attribute of an `xs:NMTOKEN` enumeration (OSCI2_02.xsd); a value outside it is 9022. */
function enumAttr<T extends string>(el: XmlElement, name: string, values: readonly T[]): T | undefined {
  const value = attrValue(el, name)?.trim();
  if (value === undefined) return undefined;
  const known = values.find((v) => v === value);
  if (known === undefined) throw xtaError('INVALID_PARAMETER_COMBINATION', `${el.local}/@${name} is not one of ${values.join(', ')}`);
  return known;
}

function parseIterator(body: XmlElement, local: string): { msgBoxRequestId: string; lastMsgReceived: string[] } {
  const el = bodyElement(body, NS_OSCI, local);
  const msgBoxRequestId = attrValue(el, 'MsgBoxRequestID');
  if (!msgBoxRequestId) throw xtaError('NO_PARAMETERS', `${local}/@MsgBoxRequestID missing`);
  return { msgBoxRequestId, lastMsgReceived: childrenNamed(el, NS_OSCI, 'LastMsgReceived').map((m) => m.text.trim()) };
}

// Header blocks this layer processes; any other block marked mustUnderstand must be refused
// (SOAP 1.2 Part 1 §5.2.3) rather than silently ignored.
const UNDERSTOOD_HEADERS = new Set([
  `${NS_OSCIMETA} MessageMetaData`,
  `${NS_OSCIMETA} Author`,
  `${NS_OSCI} X509TokenContainer`,
  `${NS_OSCI} MsgBoxResponse`,
]);

/** The roles the hub plays (SOAP 1.2 Part 1 §2.2): a block without a role is the ultimate receiver's. */
const HUB_ROLES = new Set(['http://www.w3.org/2003/05/soap-envelope/role/next', 'http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver']);

function checkMustUnderstand(header: XmlElement | undefined): void {
  const notUnderstood = (header?.children ?? []).filter((block) => {
    // xs:boolean collapses whitespace: " true " is true
    const mu = attrValue(block, 'mustUnderstand', NS_SOAP12)?.trim();
    // a value that is no xs:boolean was read as false: the block silently ignored, whatever the sender meant
    if (mu !== undefined && !['true', 'false', '1', '0'].includes(mu)) {
      throw xtaError('PROFILE_VIOLATION', `{${block.ns}}${block.local}/@mustUnderstand is not an xs:boolean`);
    }
    if (mu !== 'true' && mu !== '1') return false;
    // §5.2.3 binds only blocks targeted at this node (§2.2): the hub is the ultimate receiver and plays "next";
    // "none" is never processed, and a block for another role is an intermediary's to understand
    const role = attrValue(block, 'role', NS_SOAP12)?.trim();
    if (role !== undefined && role !== '' && !HUB_ROLES.has(role)) return false;
    return block.ns !== NS_WSA && !UNDERSTOOD_HEADERS.has(`${block.ns} ${block.local}`);
  });
  if (notUnderstood.length === 0) return;
  // §5.4.8: the fault names every block not understood (one env:NotUnderstood each), not only the first
  const names = notUnderstood.map(({ ns, local }) => `{${ns}}${local}`).join(', ');
  throw xtaError('INVALID_PARAMETER_COMBINATION', `header block(s) ${names} marked mustUnderstand and not supported`, {
    soapCode: 'MustUnderstand',
    notUnderstood: notUnderstood.map(({ ns, local }) => ({ ns, local })),
  });
}

// Header blocks that say one thing about the message (WS-Addressing 1.0 SOAP Binding §3: at most one each).
const SINGLE_HEADERS: readonly (readonly [string, string])[] = [
  [NS_WSA, 'Action'],
  [NS_WSA, 'MessageID'],
  [NS_WSA, 'To'],
  [NS_WSA, 'ReplyTo'],
  [NS_WSA, 'FaultTo'],
  [NS_OSCIMETA, 'MessageMetaData'],
  [NS_OSCIMETA, 'Author'],
];

/**
 * SOAP 1.2 Part 1 §5: an optional Header, then one Body, nothing else; and each addressing or metadata
 * block once. Only the first of two would be read here, while a gateway in front of the hub may check
 * the other one (a second Body, or a second MessageMetaData naming another Reader).
 */
function checkEnvelopeShape(root: XmlElement, header: XmlElement | undefined, body: XmlElement): void {
  const expected = header ? [header, body] : [body];
  if (root.children.length !== expected.length || root.children.some((c, i) => c !== expected[i])) {
    throw xtaError('PROFILE_VIOLATION', 'a SOAP Envelope holds an optional Header and one Body, in that order, and nothing else');
  }
  for (const [ns, local] of SINGLE_HEADERS) {
    if (header && childrenNamed(header, ns, local).length > 1) throw xtaError('INVALID_PARAMETER_COMBINATION', `header block {${ns}}${local} appears more than once`);
  }
}

/**
 * XTA.wsdl's policy `wsam:AnonymousResponses` (WS-Addressing 1.0 Metadata §3.1.2): the reply and any fault go back on
 * the HTTP response. A ReplyTo or FaultTo naming another address (or none) asks for what the hub never does, and was
 * silently answered on the HTTP response instead.
 */
function checkAnonymousResponses(header: XmlElement | undefined): void {
  for (const local of ['ReplyTo', 'FaultTo']) {
    const epr = header ? childNamed(header, NS_WSA, local) : undefined;
    if (epr && childNamed(epr, NS_WSA, 'Address')?.text.trim() !== WSA_ANONYMOUS) {
      throw xtaError('INVALID_PARAMETER_COMBINATION', `wsa:${local} must be the anonymous address: this service answers on the HTTP response only (wsam:AnonymousResponses)`);
    }
  }
}

function emptyBody(body: XmlElement): Record<string, never> {
  if (body.children.length > 0) throw xtaError('INVALID_PARAMETER_COMBINATION', 'this operation takes an empty SOAP Body');
  return {};
}

/** A request read up to its operation: the envelope checked, wsa:Action known; its parameters not yet read. */
export interface SoapRequestHead {
  readonly operation: XtaOperation;
  readonly action: string;
  /** wsa:MessageID, for the reply's RelatesTo (also a fault's). */
  readonly messageId?: string;
  readonly envelope: Envelope;
  readonly header: XmlElement | undefined;
  readonly body: XmlElement;
}

/**
 * Reads a request up to its operation (inline or MTOM/XOP). Refusals here come before the operation is known
 * (SOAP 1.1 → VersionMismatch, DTD/entities/malformed → 9052, too large → 9023, no or unknown action).
 */
export function readSoapRequestHead(body: Buffer, contentType: string, limits: XtaLimits = DEFAULT_XTA_LIMITS, transport: { readonly soapAction?: string | undefined } = {}): SoapRequestHead {
  if (body.length > limits.maxBodyBytes) throw xtaError('MESSAGE_TOO_LARGE', `request body exceeds ${limits.maxBodyBytes} bytes`);
  const env = splitEnvelope(body, contentType, limits);
  const root = env.root;
  if (root.local === 'Envelope' && root.ns === NS_SOAP11) {
    throw xtaError('PROFILE_VIOLATION', 'SOAP 1.1 is not supported; XTA 2 Version 3 requires SOAP 1.2', { soapCode: 'VersionMismatch', soap11: true });
  }
  if (root.local !== 'Envelope' || root.ns !== NS_SOAP12) {
    // SOAP 1.2 Part 1 §5.4.7: a root that is not a SOAP 1.2 Envelope is a version mismatch.
    throw xtaError('PROFILE_VIOLATION', 'root element is not a SOAP 1.2 Envelope', { soapCode: 'VersionMismatch' });
  }
  const header = childNamed(root, NS_SOAP12, 'Header');
  const soapBody = childNamed(root, NS_SOAP12, 'Body');
  if (!soapBody) throw xtaError('PROFILE_VIOLATION', 'SOAP Envelope has no Body');
  checkEnvelopeShape(root, header, soapBody);
  const action = requestAction(headerText(header, 'Action'), env.mediaActions, transport.soapAction);
  if (!action) throw xtaError('NO_PARAMETERS', 'wsa:Action header missing');
  const operation = operationForAction(action);
  if (!operation) throw xtaError('INVALID_URI', 'wsa:Action is not an XTA 2 V3 operation', { addressing: { subcode: 'ActionNotSupported', action } });
  const messageId = headerText(header, 'MessageID');
  return { operation, action, ...(messageId ? { messageId } : {}), envelope: env, header, body: soapBody };
}

/**
 * Reads the parameters of a request whose head is read; every refusal is an XtaFault, now of a known
 * operation (so it can be answered as one that operation declares).
 */
export function parseSoapRequestBody(head: SoapRequestHead, limits: XtaLimits = DEFAULT_XTA_LIMITS): ParsedSoapRequest {
  const { operation, action, messageId, envelope: env, header, body: soapBody } = head;
  // SOAP 1.2 Part 1 §5.2.3: before anything of the message is processed (reading wsa:Action to know whom to
  // answer is not processing it)
  checkMustUnderstand(header);
  const metaEl = header ? childNamed(header, NS_OSCIMETA, 'MessageMetaData') : undefined;
  const authorEl = header ? childNamed(header, NS_OSCIMETA, 'Author') : undefined;
  const messageMetaData = metaEl ? parseMessageMetaData(metaEl) : undefined;
  const to = headerText(header, 'To');
  const replyToEl = header ? childNamed(header, NS_WSA, 'ReplyTo') : undefined;
  const replyTo = replyToEl ? childNamed(replyToEl, NS_WSA, 'Address')?.text.trim() : undefined;
  checkAnonymousResponses(header);
  const base: SoapRequestBase = {
    soapVersion: '1.2',
    action,
    ...(messageId ? { messageId } : {}),
    ...(to ? { to } : {}),
    ...(replyTo ? { replyTo } : {}),
    header: {
      ...(messageMetaData ? { messageMetaData } : {}),
      ...(authorEl ? { author: parseParty(authorEl) } : {}),
    },
    mtom: env.mtom,
  };

  switch (operation) {
    case 'createMessageId':
    case 'checkAccountActive':
      return { ...base, operation, payload: emptyBody(soapBody) };
    case 'getTransportReport':
    case 'cancelMessage':
      return { ...base, operation, payload: { messageId: messageIdBody(soapBody) } };
    case 'lookupService': {
      const req = bodyElement(soapBody, NS_XTA, 'LookupServiceRequest');
      const lists = childrenNamed(req, NS_XTA, 'LookupServiceRequestList');
      if (lists.length === 0) throw xtaError('NO_PARAMETERS', 'LookupServiceRequest is empty');
      const lookups = lists.map((l) => {
        const ls = childNamed(l, NS_XTA, 'LookupService');
        const reader = ls ? childNamed(ls, NS_OSCIMETA, 'Reader') : undefined;
        const serviceType = ls ? childNamed(ls, NS_XTA, 'ServiceType')?.text.trim() : undefined;
        if (!reader || !serviceType) throw xtaError('NO_PARAMETERS', 'LookupService needs Reader and ServiceType');
        return { reader: parseParty(reader), serviceType };
      });
      return { ...base, operation, payload: { lookups } };
    }
    case 'sendMessage':
    case 'sendMessageSync': {
      if (!messageMetaData) throw xtaError('NO_PARAMETERS', `${operation} requires oscimeta:MessageMetaData in the SOAP header`);
      if (messageMetaData.msgSize !== undefined && messageMetaData.msgSize > limits.maxContainerBytes) {
        throw xtaError('MESSAGE_TOO_LARGE', `MsgSize exceeds the limit of ${limits.maxContainerBytes} bytes`);
      }
      const container = parseGenericContentContainer(bodyElement(soapBody, NS_XTA, 'GenericContentContainer'), {
        maxContainerBytes: limits.maxContainerBytes,
        ...(env.resolveXop ? { resolveXop: env.resolveXop } : {}),
      });
      return { ...base, operation, payload: { messageMetaData, container } };
    }
    case 'getStatusList': {
      const req = bodyElement(soapBody, NS_OSCI, 'MsgBoxStatusListRequest');
      const max = attrValue(req, 'maxListItems');
      if (max !== undefined && !/^\+?0*[1-9][0-9]{0,8}$/.test(max.trim())) throw xtaError('INVALID_PARAMETER_COMBINATION', 'maxListItems is not a positive integer');
      // the OSCI schema spells the enumeration value "MsgAtrributes"; the correct spelling is read too
      const form = enumAttr(req, 'ListForm', ['MsgAtrributes', 'MsgAttributes', 'MessageMetaData']);
      const sel = childNamed(req, NS_OSCI, 'MsgSelector');
      return {
        ...base,
        operation,
        payload: {
          ...(max === undefined ? {} : { maxListItems: Number(max.trim()) }),
          ...(form === undefined ? {} : { listForm: form === 'MessageMetaData' ? ('MessageMetaData' as const) : ('MsgAttributes' as const) }),
          ...(sel ? { selector: parseSelector(sel) } : {}),
        },
      };
    }
    case 'getMessage': {
      const req = bodyElement(soapBody, NS_OSCI, 'MsgBoxFetchRequest');
      const sel = childNamed(req, NS_OSCI, 'MsgSelector');
      const selector = sel ? parseSelector(sel) : { messageIds: [], relatesTo: [] };
      // one message per fetch: with two, which one is answered would be the hub's guess
      if (selector.messageIds.length > 1) throw xtaError('INVALID_PARAMETER_COMBINATION', 'MsgBoxFetchRequest selects one message: give one wsa:MessageID');
      const msgPart = enumAttr(req, 'MsgPart', ['Envelope', 'Header', 'Body']) ?? 'Envelope';
      return { ...base, operation, payload: { selector, msgPart } };
    }
    case 'getNextMessage':
    case 'getNextStatusList':
      return { ...base, operation, payload: parseIterator(soapBody, 'MsgBoxGetNextRequest') };
    case 'close':
      return { ...base, operation, payload: parseIterator(soapBody, 'MsgBoxCloseRequest') };
  }
}

/**
 * Parses an XTA 2 V3 SOAP 1.2 request (inline or MTOM/XOP) into a typed request; every refusal
 * is an XtaFault (SOAP 1.1 → VersionMismatch, DTD/entities/malformed → 9052, too large → 9023).
 */
export function parseSoapRequest(body: Buffer, contentType: string, limits: XtaLimits = DEFAULT_XTA_LIMITS): ParsedSoapRequest {
  return parseSoapRequestBody(readSoapRequestHead(body, contentType, limits), limits);
}
