import { decodeBase64Strict } from './base64.js';
import { xtaError } from './xta-errors.js';

/** A parsed media type: lower-cased type and parameters (names lower-cased, quotes removed). */
export interface MediaType {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
}

/** One MIME part of a multipart/related body. */
export interface MimePart {
  readonly headers: ReadonlyMap<string, string>;
  /** Content-ID without angle brackets, if present. */
  readonly contentId: string | undefined;
  readonly contentType: string;
  readonly body: Buffer;
}

/** Parses a Content-Type header value (RFC 9110 §8.3.1, parameters with quoted strings). */
export function parseMediaType(value: string): MediaType {
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const params = new Map<string, string>();
  const re = /;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  const rest = semi < 0 ? '' : value.slice(semi);
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    const name = m[1];
    const raw = m[2];
    if (name === undefined || raw === undefined) continue;
    const v = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.trim();
    params.set(name.toLowerCase(), v);
  }
  return { type, params };
}

function stripAngles(id: string): string {
  const t = id.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t;
}

/** Normalises a `cid:` URL or Content-ID for comparison (RFC 2392: cid URLs are %-encoded). */
export function normalizeContentId(idOrCid: string): string {
  let id = idOrCid.trim();
  if (id.toLowerCase().startsWith('cid:')) {
    try {
      id = decodeURIComponent(id.slice(4));
    } catch {
      id = id.slice(4);
    }
  }
  return stripAngles(id);
}

/** Splits a multipart body into parts (RFC 2046 §5.1.1); refuses more than `maxParts` parts. */
export function splitMultipart(body: Buffer, boundary: string, maxParts: number): MimePart[] {
  if (boundary.length === 0 || boundary.length > 200) throw xtaError('PROFILE_VIOLATION', 'multipart boundary missing or too long');
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: MimePart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw xtaError('PROFILE_VIOLATION', 'multipart body does not contain its boundary');
  for (;;) {
    let start = pos + delimiter.length;
    // "--" after the delimiter closes the multipart body.
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    const lineEnd = body.indexOf('\r\n', start, 'latin1');
    if (lineEnd < 0) throw xtaError('PROFILE_VIOLATION', 'multipart part truncated');
    start = lineEnd + 2;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n', 'latin1'), delimiter]), start);
    if (next < 0) throw xtaError('PROFILE_VIOLATION', 'multipart body is not closed');
    const headerEnd = body.indexOf('\r\n\r\n', start, 'latin1');
    const headers = new Map<string, string>();
    let content: Buffer;
    if (headerEnd < 0 || headerEnd > next) {
      content = body.subarray(start, next);
    } else {
      const headerText = body.subarray(start, headerEnd).toString('latin1').replace(/\r\n[ \t]+/g, ' ');
      for (const line of headerText.split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      content = body.subarray(headerEnd + 4, next);
    }
    const cte = headers.get('content-transfer-encoding')?.toLowerCase();
    if (cte === 'base64') content = decodeBase64Strict(content.toString('latin1'), `MIME part ${parts.length + 1}`);
    else if (cte !== undefined && cte !== 'binary' && cte !== '8bit' && cte !== '7bit') {
      throw xtaError('PROFILE_VIOLATION', `unsupported Content-Transfer-Encoding ${cte}`);
    }
    const cid = headers.get('content-id');
    parts.push({
      headers,
      contentId: cid === undefined ? undefined : stripAngles(cid),
      contentType: headers.get('content-type') ?? 'text/plain',
      body: content,
    });
    if (parts.length > maxParts) throw xtaError('PROFILE_VIOLATION', `multipart body has more than ${maxParts} parts`);
    pos = next + 2;
  }
  if (parts.length === 0) throw xtaError('PROFILE_VIOLATION', 'multipart body has no parts');
  return parts;
}

/** Joins parts into a multipart/related body with CRLF line ends. */
export function joinMultipart(boundary: string, parts: readonly { headers: Readonly<Record<string, string>>; body: Buffer }[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const head = Object.entries(p.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    chunks.push(Buffer.from(`--${boundary}\r\n${head}\r\n`, 'latin1'), p.body, Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return Buffer.concat(chunks);
}
