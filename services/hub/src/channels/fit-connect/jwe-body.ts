import { ErrorCode } from '@weiche/core';
import { httpProblem } from '../../gateway/problems.js';

// the alphabet of the OpenAPI's CreateAttachment (`^[a-zA-Z0-9-_=.]+$`), plus whitespace: a trailing CRLF
// is common and the decryptor trims it
const OUTSIDE_JWE = /[^A-Za-z0-9\-_=.\s]/;
const CONTENT = /[^\s]/;
// whitespace followed by more of the JWE: inside it (around it, a leading or trailing CRLF, is trimmed)
const INNER_SPACE = /\s\S/;
const DOT = 0x2e;
/**
 * How much of the body is checked character by character: enough to tell a JWE from a PDF, an image, a
 * multipart form or an empty body at once. The rest is only counted for dots (natively): the decryptor reads
 * every character strictly anyway, and a regular expression over 700 MB of upload cost a CPU-second.
 */
const CHECKED_PREFIX = 64 * 1024;

/** `application/jose`, with or without parameters, in any case (RFC 9110 §8.3.1: media types compare case-insensitively). */
export function isJoseMediaType(contentType: string | undefined): boolean {
  return /^application\/jose\s*(?:;|$)/i.test(contentType ?? '');
}

function notJwe(what: string): Error {
  return httpProblem(400, ErrorCode.BAD_REQUEST, `the attachment ${what}; it is sent as one compact JWE (application/jose)`);
}

/**
 * An attachment body on its way to the blob store, checked as it streams: one compact JWE (the JWE alphabet
 * and no whitespace inside it at its start, five segments). An empty, binary or multipart body was stored with 204 and refused only after
 * submit (encryption-issue); now it is a 400 at upload, and the blob store discards what it had written.
 * `checkHeader` is given the protected header (first segment) once it has arrived, within the checked prefix.
 */
export async function* compactJweBytes(body: AsyncIterable<Buffer>, checkHeader?: (protectedHeader: string) => void): AsyncGenerator<Buffer> {
  let dots = 0;
  let content = false;
  let checked = 0;
  let spaceAfterContent = false;
  // the first segment as it arrives, for `checkHeader` (undefined once it was checked)
  let header: string | undefined = checkHeader ? '' : undefined;
  for await (const chunk of body) {
    if (checked < CHECKED_PREFIX) {
      const head = chunk.toString('latin1', 0, Math.min(chunk.length, CHECKED_PREFIX - checked));
      if (header !== undefined && checkHeader) {
        header += head;
        const dot = header.indexOf('.');
        if (dot >= 0) {
          checkHeader(header.slice(0, dot).trim());
          header = undefined;
        }
      }
      if (OUTSIDE_JWE.test(head)) throw notJwe('contains bytes outside the JWE alphabet');
      // a strict reader (a relay destination's subscriber gets the body as stored) splits at the dots and finds a space
      if ((content ? INNER_SPACE.test(head) : INNER_SPACE.test(head.trimStart())) || (spaceAfterContent && CONTENT.test(head))) {
        throw notJwe('contains whitespace inside the JWE');
      }
      content ||= CONTENT.test(head);
      spaceAfterContent = content && /\s$/.test(head);
      checked += head.length;
    }
    for (let i = chunk.indexOf(DOT); i >= 0; i = chunk.indexOf(DOT, i + 1)) {
      if (++dots > 4) throw notJwe('has more than the 5 segments of a compact JWE');
    }
    yield chunk;
  }
  if (!content) throw notJwe('is empty');
  if (dots !== 4) throw notJwe(`has ${dots + 1} segments where a compact JWE has 5`);
}
