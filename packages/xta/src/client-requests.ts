import { randomUUID } from 'node:crypto';
import { NS_DS, NS_OSCI, NS_OSCIMETA, NS_SOAP12, NS_WSA, NS_XENC, NS_XTA } from './namespaces.js';
import { partyXml } from './message-metadata.js';
import type { PartyIdentifier } from './message-metadata.js';
import { XTA_ACTIONS } from './operations.js';
import type { XtaOperation } from './operations.js';
import { soapContentType } from './soap-envelope.js';
import { escapeXml } from './xml-tree.js';

/** A request of the hub as XTA client, ready for HTTP POST. */
export interface XtaClientRequest {
  readonly operation: XtaOperation;
  readonly contentType: string;
  readonly body: Buffer;
}

const NAMESPACES = `xmlns:s="${NS_SOAP12}" xmlns:wsa="${NS_WSA}" xmlns:xta="${NS_XTA}" xmlns:osci="${NS_OSCI}" xmlns:oscimeta="${NS_OSCIMETA}" xmlns:xenc="${NS_XENC}" xmlns:ds="${NS_DS}"`;

/** Who calls and where: the `oscimeta:Author` header (XTAHeader part AuthorIdentifier) and `wsa:To`. */
export interface XtaCaller {
  readonly author: PartyIdentifier;
  readonly to: string;
}

// WSDL: every MsgBoxPort and ManagementPort input takes the optional AuthorIdentifier header; WS-Addressing
// (wsam:Addressing in the WSDL policy) needs Action, MessageID and To on each request.
function request(operation: XtaOperation, caller: XtaCaller, body: string): XtaClientRequest {
  const action = XTA_ACTIONS[operation];
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${NAMESPACES}><s:Header>` +
    `<wsa:Action>${escapeXml(action)}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID><wsa:To>${escapeXml(caller.to)}</wsa:To>` +
    `${partyXml('oscimeta:Author', caller.author)}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
  return { operation, contentType: soapContentType(action), body: Buffer.from(xml, 'utf8') };
}

/** getStatusList: the caller's pending messages as MessageMetaData (`ListForm="MessageMetaData"`). */
export function buildStatusListRequest(caller: XtaCaller, maxListItems: number): XtaClientRequest {
  return request('getStatusList', caller, `<osci:MsgBoxStatusListRequest maxListItems="${Math.max(1, Math.trunc(maxListItems))}" ListForm="MessageMetaData"/>`);
}

/** getMessage: one message by its MessageID (`MsgSelector/wsa:MessageID`). */
export function buildFetchRequest(caller: XtaCaller, messageId: string): XtaClientRequest {
  return request('getMessage', caller, `<osci:MsgBoxFetchRequest><osci:MsgSelector><wsa:MessageID>${escapeXml(messageId)}</wsa:MessageID></osci:MsgSelector></osci:MsgBoxFetchRequest>`);
}

/** close: the named messages count as received (`MsgBoxCloseRequest/LastMsgReceived`), under the box's request id. */
export function buildCloseRequest(caller: XtaCaller, msgBoxRequestId: string, messageIds: readonly string[]): XtaClientRequest {
  const ids = messageIds.map((id) => `<osci:LastMsgReceived>${escapeXml(id)}</osci:LastMsgReceived>`).join('');
  return request('close', caller, `<osci:MsgBoxCloseRequest MsgBoxRequestID="${escapeXml(msgBoxRequestId)}">${ids}</osci:MsgBoxCloseRequest>`);
}

/** checkAccountActive (ManagementPort): whether the caller's account at the XTA server is usable. */
export function buildCheckAccountActiveRequest(caller: XtaCaller): XtaClientRequest {
  return request('checkAccountActive', caller, '');
}
