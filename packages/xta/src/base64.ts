import { xtaError } from './xta-errors.js';

// XML Schema base64Binary (XSD 1.1 Part 2 §3.3.16) and MIME base64 (RFC 2045 §6.8) both allow
// whitespace and line breaks between the characters; nothing else outside the alphabet.
const WHITESPACE = [' ', '\t', '\r', '\n'] as const;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Decodes base64 strictly, whitespace allowed: Node's Buffer.from(…, 'base64') skips characters outside the
 * alphabet (and takes base64url's "-" and "_"), so a damaged part would be delivered as other bytes. Refuses
 * with fault 9052 (the message breaks the XTA profile), naming only `what`, never the content. `admit` hears the
 * decoded length before the bytes are allocated (a size budget refuses there).
 *
 * Accepts exactly the texts that are the canonical base64 of their bytes once whitespace is removed, without building
 * that second string or re-encoding (both cost more than the decode itself on a large part): Node's decoder gives
 * fewer bytes than the characters imply whenever it skips one or stops early, so equal lengths prove the text held
 * only the alphabet, given it is ASCII (Node 20 reads U+0141 as "A") and has no "-", "_" or inner "=".
 */
export function decodeBase64Strict(text: string, what: string, admit?: (length: number) => void): Buffer {
  const refuse = (): never => {
    throw xtaError('PROFILE_VIOLATION', `${what} is not valid base64`);
  };
  if (Buffer.byteLength(text, 'utf8') !== text.length) refuse();
  let length = text.length;
  for (const ws of WHITESPACE) length -= occurrences(text, ws);
  if (length % 4 !== 0 || text.includes('-') || text.includes('_')) refuse();
  const pads = padding(text);
  if (pads < 0) refuse();
  const expected = (length / 4) * 3 - pads;
  admit?.(expected);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== expected) refuse();
  // The bits after the last byte must be zero (XSD's B04/B16 rule), else two texts decode alike.
  if (pads > 0 && (ALPHABET.indexOf(lastCharacterBefore(text, text.indexOf('='))) & (pads === 2 ? 0x0f : 0x03)) !== 0) refuse();
  return bytes;
}

function occurrences(text: string, char: string): number {
  let count = 0;
  for (let at = text.indexOf(char); at >= 0; at = text.indexOf(char, at + 1)) count++;
  return count;
}

/** How many "=" end the text (0–2), or -1 when one stands elsewhere or there are more. */
function padding(text: string): number {
  const first = text.indexOf('=');
  if (first < 0) return 0;
  let pads = 0;
  for (let i = first; i < text.length; i++) {
    const c = text[i];
    if (c === '=') pads++;
    else if (!(WHITESPACE as readonly string[]).includes(c!)) return -1;
  }
  return pads <= 2 ? pads : -1;
}

function lastCharacterBefore(text: string, end: number): string {
  for (let i = end - 1; i >= 0; i--) if (!(WHITESPACE as readonly string[]).includes(text[i]!)) return text[i]!;
  return '';
}
