import { decodeBase64Strict } from './base64.js';
import { NS_XENC, NS_XOP, NS_XTA } from './namespaces.js';
import { attrValue, childNamed, childrenNamed, escapeXml, serializeElement } from './xml-tree.js';
import type { XmlElement } from './xml-tree.js';
import { xtaError } from './xta-errors.js';

/** One `xta:ContentType` part (Message or Attachment) with its decoded bytes. */
export interface ContentPart {
  readonly contentType: string;
  readonly data: Buffer;
  readonly filename?: string;
  readonly id?: string;
  readonly contentDescription?: string;
  readonly encoding?: string;
  readonly lang?: string;
}

/** `xta:GenericContentContainer`: encrypted (xenc:EncryptedData, opened by the crypto layer) or plain. */
export type GenericContentContainer =
  | {
      readonly kind: 'encrypted';
      /** The xenc:EncryptedData element as standalone XML, any xop:Include replaced by inline base64. */
      readonly encryptedDataXml: string;
      /** The decoded CipherValue bytes (IV ‖ ciphertext ‖ tag for AES-GCM). */
      readonly cipherValue: Buffer;
    }
  | { readonly kind: 'plain'; readonly message: ContentPart; readonly attachments: readonly ContentPart[] };

/** Resolves an `xop:Include/@href` (cid: URL) to the bytes of its MIME part. */
export type XopResolver = (href: string) => Buffer | undefined;

interface Budget {
  remaining: number;
  readonly limit: number;
}

function spend(budget: Budget, bytes: number): void {
  budget.remaining -= bytes;
  if (budget.remaining < 0) throw xtaError('MESSAGE_TOO_LARGE', `content container exceeds the limit of ${budget.limit} bytes`);
}

// Binary content is either base64 text or exactly one xop:Include child (XOP 1.0 §3).
function readBinary(el: XmlElement, resolve: XopResolver | undefined, budget: Budget): Buffer {
  const include = childNamed(el, NS_XOP, 'Include');
  if (include) {
    // XOP 1.0 §3: the xop:Include stands in for the whole content; a second one or text beside it
    // would be bytes one reader takes and another drops
    if (el.children.length !== 1 || el.text.trim() !== '') throw xtaError('PROFILE_VIOLATION', `${el.local} must hold exactly one xop:Include and nothing else`);
    const href = attrValue(include, 'href');
    if (!href) throw xtaError('PROFILE_VIOLATION', 'xop:Include without @href');
    const bytes = resolve?.(href);
    if (!bytes) throw xtaError('PROFILE_VIOLATION', 'xop:Include refers to a MIME part that is not in the message');
    spend(budget, bytes.length);
    return bytes;
  }
  if (el.children.length > 0) throw xtaError('PROFILE_VIOLATION', `${el.local} must hold base64 or one xop:Include`);
  // Spent before decoding so an oversized inline body is refused without allocating it.
  return decodeBase64Strict(el.text, el.local, (length) => spend(budget, length));
}

function parsePart(el: XmlElement, resolve: XopResolver | undefined, budget: Budget): ContentPart {
  const contentType = attrValue(el, 'contentType');
  if (!contentType) throw xtaError('NO_PARAMETERS', `${el.local}/@contentType missing`);
  const data = readBinary(el, resolve, budget);
  const opt = (name: string, key: string): Record<string, string> => {
    const v = attrValue(el, name);
    return v === undefined ? {} : { [key]: v };
  };
  return {
    contentType,
    data,
    ...opt('filename', 'filename'),
    ...opt('id', 'id'),
    ...opt('contentDescription', 'contentDescription'),
    ...opt('encoding', 'encoding'),
    ...opt('lang', 'lang'),
  };
}

/** Reads `xta:GenericContentContainer`, resolving xop:Include; over `maxContainerBytes` decoded bytes is fault 9023. */
export function parseGenericContentContainer(el: XmlElement, opts: { maxContainerBytes: number; resolveXop?: XopResolver }): GenericContentContainer {
  const budget: Budget = { remaining: opts.maxContainerBytes, limit: opts.maxContainerBytes };
  const encrypted = childNamed(el, NS_XENC, 'EncryptedData');
  const plain = childNamed(el, NS_XTA, 'ContentContainer');
  if ((encrypted ? 1 : 0) + (plain ? 1 : 0) !== 1 || el.children.length !== 1) {
    throw xtaError('INVALID_PARAMETER_COMBINATION', 'GenericContentContainer must hold exactly one of xenc:EncryptedData or ContentContainer');
  }
  if (encrypted) {
    const cipherData = childNamed(encrypted, NS_XENC, 'CipherData');
    const cipherValueEl = cipherData ? childNamed(cipherData, NS_XENC, 'CipherValue') : undefined;
    if (!cipherValueEl) throw xtaError('PROFILE_VIOLATION', 'EncryptedData needs CipherData/CipherValue (CipherReference is not supported)');
    const cipherValue = readBinary(cipherValueEl, opts.resolveXop, budget);
    // taken in, it could only ever be rejected as unopenable: refused here, where the sender hears why
    if (cipherValue.length === 0) throw xtaError('PROFILE_VIOLATION', 'EncryptedData/CipherData/CipherValue is empty');
    // Inline the MTOM bytes so the crypto layer gets one self-contained element either way.
    if (childNamed(cipherValueEl, NS_XOP, 'Include')) {
      const b64 = cipherValue.toString('base64');
      cipherValueEl.children.length = 0;
      cipherValueEl.nodes.length = 0;
      cipherValueEl.nodes.push({ text: b64 });
      cipherValueEl.text = b64;
    }
    return { kind: 'encrypted', encryptedDataXml: serializeElement(encrypted), cipherValue };
  }
  const container = plain as XmlElement;
  const messages = childrenNamed(container, NS_XTA, 'Message');
  const first = messages[0];
  if (!first || messages.length !== 1) throw xtaError('NO_PARAMETERS', 'ContentContainer needs exactly one Message');
  const message = parsePart(first, opts.resolveXop, budget);
  const attachments = childrenNamed(container, NS_XTA, 'Attachment').map((a) => parsePart(a, opts.resolveXop, budget));
  return { kind: 'plain', message, attachments };
}

const attr = (name: string, value: string | number | undefined): string => (value === undefined ? '' : ` ${name}="${escapeXml(String(value))}"`);

/** Writes binary content: inline base64, or an xop:Include registered with `addPart` (MTOM). */
export type BinaryWriter = (data: Buffer) => string;

/** Inline base64 writer. */
export const inlineBase64: BinaryWriter = (data) => data.toString('base64');

function partXml(qname: string, p: ContentPart, write: BinaryWriter): string {
  return (
    `<${qname}${attr('contentDescription', p.contentDescription)}${attr('contentType', p.contentType)}${attr('encoding', p.encoding)}` +
    `${attr('filename', p.filename)}${attr('id', p.id)}${attr('lang', p.lang)}${attr('size', p.data.length > 0 ? p.data.length : undefined)}>` +
    `${write(p.data)}</${qname}>`
  );
}

/**
 * A plain container as a standalone XML document (`xta:ContentContainer` with its namespace declared):
 * the same form an `xenc:EncryptedData` decrypts to, so the hub keeps and opens both the same way.
 */
export function contentContainerDocument(c: Extract<GenericContentContainer, { kind: 'plain' }>): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><xta:ContentContainer xmlns:xta="${NS_XTA}">` +
    partXml('xta:Message', c.message, inlineBase64) +
    c.attachments.map((a) => partXml('xta:Attachment', a, inlineBase64)).join('') +
    '</xta:ContentContainer>'
  );
}

/** Serialises `xta:GenericContentContainer` (prefix `xta`; encrypted XML is embedded as given). */
export function genericContentContainerXml(c: GenericContentContainer, write: BinaryWriter = inlineBase64): string {
  if (c.kind === 'encrypted') return `<xta:GenericContentContainer>${c.encryptedDataXml.replace(/^\s*<\?xml[^>]*\?>/, '')}</xta:GenericContentContainer>`;
  return (
    '<xta:GenericContentContainer><xta:ContentContainer>' +
    partXml('xta:Message', c.message, write) +
    c.attachments.map((a) => partXml('xta:Attachment', a, write)).join('') +
    '</xta:ContentContainer></xta:GenericContentContainer>'
  );
}
