import { randomUUID } from 'node:crypto';
import { NS_DS, NS_OSCI, NS_OSCIMETA, NS_SOAP12, NS_WSA, NS_XENC, NS_XOP, NS_XTA } from './namespaces.js';
import { joinMultipart } from './mime-multipart.js';
import { escapeXml } from './xml-tree.js';
import type { BinaryWriter } from './content-container.js';

/** A response ready for HTTP: status, Content-Type and body bytes; `envelope` is the SOAP XML (the root part under MTOM). */
export interface XtaSoapResponse {
  readonly httpStatus: number;
  readonly contentType: string;
  readonly body: Buffer;
  readonly envelope: string;
}

/** What a response needs from its request: the WS-Addressing MessageID to relate to. */
export interface ReplyContext {
  readonly messageId?: string;
}

const NAMESPACES =
  `xmlns:s="${NS_SOAP12}" xmlns:wsa="${NS_WSA}" xmlns:xta="${NS_XTA}" xmlns:osci="${NS_OSCI}" ` +
  `xmlns:oscimeta="${NS_OSCIMETA}" xmlns:xenc="${NS_XENC}" xmlns:ds="${NS_DS}"`;

/** Builds a SOAP 1.2 envelope with WS-Addressing reply headers (Action, fresh MessageID, RelatesTo). */
export function soapEnvelope(opts: { action: string; reply: ReplyContext | undefined; headers?: string; body: string; xop?: boolean }): string {
  const relates = opts.reply?.messageId ? `<wsa:RelatesTo>${escapeXml(opts.reply.messageId)}</wsa:RelatesTo>` : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${NAMESPACES}${opts.xop ? ` xmlns:xop="${NS_XOP}"` : ''}>` +
    `<s:Header><wsa:Action>${escapeXml(opts.action)}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>${relates}` +
    `${opts.headers ?? ''}</s:Header><s:Body>${opts.body}</s:Body></s:Envelope>`
  );
}

/** Content-Type of a plain SOAP 1.2 message (RFC 3902), with the action parameter. */
export function soapContentType(action: string): string {
  return `application/soap+xml; charset=utf-8; action="${action}"`;
}

/** Wraps an envelope as a plain SOAP 1.2 HTTP response. */
export function plainResponse(envelope: string, action: string, httpStatus = 200): XtaSoapResponse {
  return { httpStatus, contentType: soapContentType(action), body: Buffer.from(envelope, 'utf8'), envelope };
}

/** Collects binary parts for an MTOM response: `write` returns the xop:Include markup. */
export class MtomCollector {
  readonly #parts: { id: string; data: Buffer }[] = [];
  readonly #tag = randomUUID();

  /** Binary writer that moves the bytes into their own MIME part (XOP 1.0 §3). */
  readonly write: BinaryWriter = (data) => {
    const id = `part${this.#parts.length + 1}.${this.#tag}@weiche`;
    this.#parts.push({ id, data });
    return `<xop:Include href="cid:${encodeURIComponent(id)}"/>`;
  };

  /** Packages the root envelope and the collected parts as multipart/related (MTOM, SOAP 1.2). */
  response(envelope: string, action: string, httpStatus = 200): XtaSoapResponse {
    const boundary = `uuid:${this.#tag}`;
    const rootId = `root.${this.#tag}@weiche`;
    const body = joinMultipart(boundary, [
      {
        headers: {
          'Content-Type': `application/xop+xml; charset=UTF-8; type="application/soap+xml; action=\\"${action}\\""`,
          'Content-Transfer-Encoding': 'binary',
          'Content-ID': `<${rootId}>`,
        },
        body: Buffer.from(envelope, 'utf8'),
      },
      ...this.#parts.map((p) => ({
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Transfer-Encoding': 'binary', 'Content-ID': `<${p.id}>` },
        body: p.data,
      })),
    ]);
    return {
      httpStatus,
      contentType: `multipart/related; type="application/xop+xml"; start="<${rootId}>"; start-info="application/soap+xml"; boundary="${boundary}"`,
      body,
      envelope,
    };
  }
}
