import { ErrorCode, WeicheError } from '@weiche/core';
import { NS_OSCI, NS_OSCIMETA, NS_SOAP12, NS_WSA, NS_XTA } from './namespaces.js';
import { parseGenericContentContainer } from './content-container.js';
import type { GenericContentContainer } from './content-container.js';
import { parseMessageMetaData } from './message-metadata.js';
import type { MessageMetaData } from './message-metadata.js';
import { splitEnvelope } from './parse-soap-request.js';
import type { XtaLimits } from './parse-soap-request.js';
import type { MsgBoxResponse } from './responses.js';
import { attrValue, childNamed, childrenNamed } from './xml-tree.js';
import type { XmlElement } from './xml-tree.js';
import { isXtaFault, xtaError, xtaFault } from './xta-errors.js';
import type { XtaExceptionKind, XtaFault } from './xta-errors.js';

/** An XTA server's answer as HTTP gave it. */
export interface XtaHttpResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * The XTA server answered with something that is not a SOAP 1.2 message (an HTML error page, a proxy's 502,
 * a body the parser refuses): retryable, the message names only the status and why.
 */
export class XtaResponseError extends WeicheError {
  override readonly name = 'XtaResponseError';
  /** The answer's HTTP status where it was no 2xx (a proxy's 401 or 502 page): whose side failed, for monitoring. */
  readonly httpStatus: number | undefined;
  constructor(message: string, opts: { cause?: unknown; httpStatus?: number | undefined } = {}) {
    super(ErrorCode.DELIVERY_TRANSIENT, message, { retryable: true, ...(opts.cause === undefined ? {} : { cause: opts.cause }) });
    this.httpStatus = opts.httpStatus;
  }
}

const EXCEPTIONS: ReadonlySet<string> = new Set<XtaExceptionKind>([
  'PermissionDeniedException',
  'ParameterIsNotValidException',
  'XTAWSTechnicalProblemException',
  'MessageSchemaViolationException',
  'MessageVirusDetectionException',
  'SyncAsyncException',
  'InvalidMessageIDException',
  'CancelDeniedException',
]);

/** A SOAP 1.2 Fault as the XTA exception it carries (Detail/xta:*Exception/errorCode/code); unknown numbers become 9000 of that kind. */
function faultOf(fault: XmlElement): XtaFault {
  const reason = childNamed(childNamed(fault, NS_SOAP12, 'Reason') ?? fault, NS_SOAP12, 'Text')?.text.trim() ?? 'SOAP fault';
  const detail = childNamed(fault, NS_SOAP12, 'Detail');
  const exception = detail?.children.find((c) => c.ns === NS_XTA && EXCEPTIONS.has(c.local));
  const kind = (exception?.local ?? 'XTAWSTechnicalProblemException') as XtaExceptionKind;
  const errorCode = exception ? childNamed(exception, NS_XTA, 'errorCode') : undefined;
  const code = errorCode ? childNamed(errorCode, '', 'code')?.text.trim() : undefined;
  // the reason is the server's text: kept short, it reaches the operator's status view and logs
  const message = `XTA server fault ${code ?? '?'} (${kind}): ${reason.slice(0, 200)}`;
  try {
    return xtaFault(kind, code ?? '9000', message);
  } catch {
    return xtaFault(kind, '9000', message);
  }
}

/** The envelope's Header and Body of a response; a SOAP Fault is thrown as the XtaFault it carries. */
function readResponse(response: XtaHttpResponse, limits: XtaLimits): { header: XmlElement | undefined; body: XmlElement; envelope: ReturnType<typeof splitEnvelope> } {
  if (response.body.length > limits.maxBodyBytes) throw new XtaResponseError(`response body exceeds ${limits.maxBodyBytes} bytes`);
  const httpStatus = response.status < 200 || response.status >= 300 ? response.status : undefined;
  let envelope: ReturnType<typeof splitEnvelope>;
  try {
    envelope = splitEnvelope(response.body, response.contentType, limits);
  } catch (error) {
    throw new XtaResponseError(`HTTP ${response.status}: not a SOAP message (${isXtaFault(error) ? error.message : 'unreadable'})`, { cause: error, httpStatus });
  }
  const root = envelope.root;
  if (root.ns !== NS_SOAP12 || root.local !== 'Envelope') throw new XtaResponseError(`HTTP ${response.status}: the answer is not a SOAP 1.2 Envelope`, { httpStatus });
  const body = childNamed(root, NS_SOAP12, 'Body');
  if (!body) throw new XtaResponseError(`HTTP ${response.status}: SOAP Envelope without Body`, { httpStatus });
  const fault = childNamed(body, NS_SOAP12, 'Fault');
  if (fault) throw faultOf(fault);
  if (httpStatus !== undefined) throw new XtaResponseError(`HTTP ${response.status} without a SOAP Fault`, { httpStatus });
  return { header: childNamed(root, NS_SOAP12, 'Header'), body, envelope };
}

function msgBoxResponseOf(header: XmlElement | undefined): MsgBoxResponse | undefined {
  const el = header ? childNamed(header, NS_OSCI, 'MsgBoxResponse') : undefined;
  const requestId = el ? attrValue(el, 'MsgBoxRequestID') : undefined;
  if (!el || !requestId) return undefined;
  const pending = childNamed(el, NS_OSCI, 'ItemsPending')?.text.trim();
  if (pending !== undefined && /^[0-9]{1,9}$/.test(pending)) return { requestId, itemsPending: Number(pending) };
  const reason = attrValue(childNamed(el, NS_OSCI, 'NoMessageAvailable') ?? el, 'reason') ?? '';
  const short = reason.slice(reason.lastIndexOf('/') + 1);
  return { requestId, noMessageAvailable: short === 'SearchArgsInvalid' || short === 'RequestIdInvalid' ? short : 'NoMatch' };
}

/** One entry of a status list: the MessageID always, the MessageMetaData when it reads (else why not). */
export type StatusListItem = { readonly messageId: string; readonly messageMetaData: MessageMetaData } | { readonly messageId: string; readonly problem: string };

/** What getStatusList answered: the entries (ListForm MessageMetaData or MsgAttributes) and the MsgBoxResponse header. */
export interface StatusListResult {
  readonly items: readonly StatusListItem[];
  readonly msgBoxResponse?: MsgBoxResponse;
}

function listItem(meta: XmlElement): StatusListItem | undefined {
  const idEl = childNamed(childNamed(meta, NS_OSCIMETA, 'MsgIdentification') ?? meta, NS_WSA, 'MessageID');
  const messageId = idEl?.text.trim();
  if (!messageId) return undefined;
  try {
    return { messageId, messageMetaData: parseMessageMetaData(meta) };
  } catch (error) {
    return { messageId, problem: isXtaFault(error) ? error.message : 'MessageMetaData unreadable' };
  }
}

/** Reads a getStatusList / getNextStatusList answer (`osci:MsgStatusList`). */
export function parseStatusListResponse(response: XtaHttpResponse, limits: XtaLimits): StatusListResult {
  const { header, body } = readResponse(response, limits);
  const list = childNamed(body, NS_OSCI, 'MsgStatusList');
  if (!list) throw new XtaResponseError('getStatusList answer without osci:MsgStatusList');
  const items: StatusListItem[] = [];
  for (const meta of childrenNamed(list, NS_OSCIMETA, 'MessageMetaData')) {
    const item = listItem(meta);
    if (item) items.push(item);
  }
  // a server that ignores ListForm answers MsgAttributes: the MessageIDs are enough to fetch
  for (const attrs of childrenNamed(list, NS_OSCI, 'MsgAttributes')) {
    const messageId = childNamed(attrs, NS_WSA, 'MessageID')?.text.trim();
    if (messageId) items.push({ messageId, problem: 'listed without MessageMetaData (MsgAttributes)' });
  }
  const msgBoxResponse = msgBoxResponseOf(header);
  return { items, ...(msgBoxResponse ? { msgBoxResponse } : {}) };
}

/** What getMessage answered: MessageMetaData header, the container (inline or MTOM, read the same), MsgBoxResponse. */
export interface FetchedMessage {
  readonly kind: 'message';
  readonly messageMetaData: MessageMetaData;
  readonly container: GenericContentContainer;
  readonly msgBoxResponse?: MsgBoxResponse;
  readonly mtom: boolean;
}

/**
 * A getMessage answer the server gave as a SOAP message but whose content breaks the profile (a container
 * that does not read, MessageMetaData that does not read): the client keeps it as received and rejects it.
 */
export interface UnreadableMessage {
  readonly kind: 'unreadable';
  readonly problem: XtaFault;
  readonly messageMetaData?: MessageMetaData;
  readonly msgBoxResponse?: MsgBoxResponse;
  readonly mtom: boolean;
}

export type FetchResult = FetchedMessage | UnreadableMessage;

/** Reads a getMessage / getNextMessage answer; a fault of the server is thrown, content that breaks the profile is `unreadable`. */
export function parseFetchResponse(response: XtaHttpResponse, limits: XtaLimits): FetchResult {
  const { header, body, envelope } = readResponse(response, limits);
  const msgBoxResponse = msgBoxResponseOf(header);
  const common = { mtom: envelope.mtom, ...(msgBoxResponse ? { msgBoxResponse } : {}) };
  let messageMetaData: MessageMetaData | undefined;
  try {
    const metaEl = header ? childNamed(header, NS_OSCIMETA, 'MessageMetaData') : undefined;
    if (!metaEl) throw xtaError('NO_PARAMETERS', 'getMessage answer without oscimeta:MessageMetaData header');
    messageMetaData = parseMessageMetaData(metaEl);
    const gcc = childNamed(body, NS_XTA, 'GenericContentContainer');
    if (!gcc) throw xtaError('NO_PARAMETERS', 'getMessage answer without xta:GenericContentContainer');
    const container = parseGenericContentContainer(gcc, { maxContainerBytes: limits.maxContainerBytes, ...(envelope.resolveXop ? { resolveXop: envelope.resolveXop } : {}) });
    return { kind: 'message', messageMetaData, container, ...common };
  } catch (error) {
    if (!isXtaFault(error)) throw error;
    return { kind: 'unreadable', problem: error, ...(messageMetaData ? { messageMetaData } : {}), ...common };
  }
}

/** Reads an answer whose WSDL output is EmptyBody (close, checkAccountActive): only a fault matters. */
export function parseEmptyResponse(response: XtaHttpResponse, limits: XtaLimits): void {
  readResponse(response, limits);
}
