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
 * Reads a file once: size, SHA-256, the format from its magic bytes (file-type), the PDF version
 * from the header and the PDF/A identification from the XMP packet (PDF/A forbids filtering the
 * metadata stream, so it is readable in the raw bytes).
 */
export async function inspectContent(source: Buffer | NodeJS.ReadableStream, declaredMimeType: string): Promise<ContentFacts> {
  const hash = createHash('sha256');
  const headParts: Buffer[] = [];
  let headLength = 0;
  let size = 0;
  let carry = '';
  let part: string | undefined;
  let conformance: string | undefined;
  const take = (chunk: Buffer): void => {
    hash.update(chunk);
    size += chunk.length;
    if (headLength < HEAD_BYTES) {
      headParts.push(chunk.subarray(0, HEAD_BYTES - headLength));
      headLength += Math.min(chunk.length, HEAD_BYTES - headLength);
    }
    if (part === undefined || conformance === undefined) {
      const window = carry + chunk.toString('latin1');
      part ??= PDFAID_PART.exec(window)?.[1];
      conformance ??= PDFAID_CONFORMANCE.exec(window)?.[1]?.toUpperCase();
      carry = window.slice(-CARRY_BYTES);
    }
  };
  if (Buffer.isBuffer(source)) take(source);
  else for await (const chunk of source) take(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));

  const head = Buffer.concat(headParts);
  const declared = normalizeMimeType(declaredMimeType);
  const magic = await fileTypeFromBuffer(head);
  const fromText = magic ? undefined : textType(head, declared);
  const mimeType = magic?.mime ?? fromText ?? 'application/octet-stream';
  const facts: ContentFacts = { size, sha256: hash.digest('hex'), mimeType, detected: magic !== undefined || fromText !== undefined };
  if (mimeType === 'application/pdf') {
    const version = /^%PDF-(\d\.\d)/.exec(head.toString('latin1'))?.[1];
    if (version) facts.pdfVersion = version;
    if (part && conformance) facts.pdfa = { part, conformance };
  }
  const xmlVersion = /xml$/.test(mimeType) ? /^\uFEFF?\s*<\?xml\s+version\s*=\s*["'](\d\.\d)["']/.exec(head.toString('utf8'))?.[1] : undefined;
  if (xmlVersion) facts.xmlVersion = xmlVersion;
  return facts;
}
