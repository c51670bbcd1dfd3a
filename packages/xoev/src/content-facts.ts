// What a file is, read from its bytes rather than from its name or the sender's word: the
// receiving DMS and Fachverfahren check hashes and formats, so the hub states only what it read.
import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import { normalizeMimeType } from './file-extension.js';

/** Bytes file-type needs to recognise every format it knows (its documented minimum sample). */
const HEAD_BYTES = 4100;
// Longest XMP fragment scanned for across chunk borders.
const CARRY_BYTES = 128;

/** PDF/A identification from the XMP metadata (ISO 19005: pdfaid:part and pdfaid:conformance). */
export interface PdfaId {
  part: string;
  conformance: string;
}

/** What the hub read from a file's content. */
export interface ContentFacts {
  size: number;
  /** Lower-case hex SHA-256 of the bytes as they go into the package. */
  sha256: string;
  /** MIME type from the magic bytes; for text formats without magic the declared type if the text fits it; else application/octet-stream. */
  mimeType: string;
  /** True when the MIME type came from magic bytes or a text check, not only from the declaration. */
  detected: boolean;
  /** `1.7` from `%PDF-1.7`. */
  pdfVersion?: string;
  pdfa?: PdfaId;
  /** `1.0` from `<?xml version="1.0"`. */
  xmlVersion?: string;
}

const PDFAID = Buffer.from('pdfaid:', 'latin1');
const PDFAID_PART = /pdfaid:part(?:>|\s*=\s*["'])\s*(\d)/;
const PDFAID_CONFORMANCE = /pdfaid:conformance(?:>|\s*=\s*["'])\s*([ABUabu])/;

function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 4)));
    return true;
  } catch {
    return false;
  }
}

function textType(head: Buffer, declared: string): string | undefined {
  if (!looksLikeText(head)) return undefined;
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  const isXml = declared === 'application/xml' || declared === 'text/xml' || declared.endsWith('+xml');
  const isJson = declared === 'application/json' || declared.endsWith('+json');
  if (isXml) return text.startsWith('<') ? declared : undefined;
  if (isJson) return /^([[{"\-0-9]|true\b|false\b|null\b)/.test(text) ? declared : undefined;
  if (declared.startsWith('text/')) return declared;
  return undefined;
}

/**
 * Takes the facts of a file chunk by chunk, so whoever already streams the bytes (a channel verifying a
 * hash while it decrypts) gets them in the same pass: size, SHA-256, the head for the magic bytes, and
 * the PDF/A identification (PDF/A forbids filtering the metadata stream, so it is readable in the raw bytes).
 */
export class ContentInspector {
  readonly #hash = createHash('sha256');
  readonly #headParts: Buffer[] = [];
  #headLength = 0;
  #size = 0;
  #carry: Buffer = Buffer.alloc(0);
  #part: string | undefined;
  #conformance: string | undefined;

  update(chunk: Buffer): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    if (this.#headLength < HEAD_BYTES) {
      // a copy: a view would keep the whole (megabyte) chunk alive until the end
      this.#headParts.push(Buffer.from(chunk.subarray(0, HEAD_BYTES - this.#headLength)));
      this.#headLength += Math.min(chunk.length, HEAD_BYTES - this.#headLength);
    }
    if (this.#part === undefined || this.#conformance === undefined) {
      // Searched in the bytes: only the few places that name `pdfaid:` become text. Turning every chunk of a
      // 500 MB attachment into a string would churn the heap by its whole size.
      // the seam between the previous chunk and this one (small), then the chunk itself
      for (const window of [Buffer.concat([this.#carry, chunk.subarray(0, CARRY_BYTES)]), chunk]) {
        for (let at = window.indexOf(PDFAID); at !== -1; at = window.indexOf(PDFAID, at + 1)) {
          const text = window.toString('latin1', at, Math.min(window.length, at + CARRY_BYTES));
          this.#part ??= PDFAID_PART.exec(text)?.[1];
          this.#conformance ??= PDFAID_CONFORMANCE.exec(text)?.[1]?.toUpperCase();
        }
      }
      // a copy of the stream's tail (not of this chunk's alone: chunks can be shorter than a name), for a name
      // split across chunks; a copy, not a view that pins the chunk
      const tail = chunk.length >= CARRY_BYTES ? chunk : Buffer.concat([this.#carry, chunk]);
      this.#carry = Buffer.from(tail.subarray(Math.max(0, tail.length - CARRY_BYTES)));
    }
  }

  /** The facts of all bytes given so far; call once, after the last chunk. */
  async facts(declaredMimeType: string): Promise<ContentFacts> {
    const head = Buffer.concat(this.#headParts);
    const declared = normalizeMimeType(declaredMimeType);
    const magic = await fileTypeFromBuffer(head);
    const fromText = magic ? undefined : textType(head, declared);
    const mimeType = magic?.mime ?? fromText ?? 'application/octet-stream';
    const facts: ContentFacts = { size: this.#size, sha256: this.#hash.digest('hex'), mimeType, detected: magic !== undefined || fromText !== undefined };
    if (mimeType === 'application/pdf') {
      const version = /^%PDF-(\d\.\d)/.exec(head.toString('latin1'))?.[1];
      if (version) facts.pdfVersion = version;
      if (this.#part && this.#conformance) facts.pdfa = { part: this.#part, conformance: this.#conformance };
    }
    const xmlVersion = /xml$/.test(mimeType) ? /^\uFEFF?\s*<\?xml\s+version\s*=\s*["'](\d\.\d)["']/.exec(head.toString('utf8'))?.[1] : undefined;
    if (xmlVersion) facts.xmlVersion = xmlVersion;
    return facts;
  }
}

/** Reads a file once and returns its facts (see ContentInspector). */
export async function inspectContent(source: Buffer | NodeJS.ReadableStream, declaredMimeType: string): Promise<ContentFacts> {
  const inspector = new ContentInspector();
  if (Buffer.isBuffer(source)) inspector.update(source);
  else for await (const chunk of source) inspector.update(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return inspector.facts(declaredMimeType);
}
