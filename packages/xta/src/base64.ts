import { xtaError } from './xta-errors.js';

// XML Schema base64Binary (XSD 1.1 Part 2 §3.3.16) and MIME base64 (RFC 2045 §6.8) both allow
// whitespace and line breaks between the characters; nothing else outside the alphabet.
const WHITESPACE = /[ \t\r\n]+/g;
const ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;
// The character before "=" / "==" carries bits that must be zero (XSD: B16 / B04), else two texts decode alike.
const BEFORE_ONE_PAD = 'AEIMQUYcgkosw048';
const BEFORE_TWO_PADS = 'AQgw';

/** The base64 characters of a text without the whitespace the encodings allow between them. */
export function base64Characters(text: string): string {
  return text.replace(WHITESPACE, '');
}

/**
 * Decodes base64 strictly, whitespace allowed: Node's Buffer.from(…, 'base64') skips characters outside the
 * alphabet (and takes base64url's "-" and "_"), so a damaged part would be delivered as other bytes. Refuses
 * with fault 9052 (the message breaks the XTA profile), naming only `what`, never the content.
 */
export function decodeBase64Strict(text: string, what: string): Buffer {
  const compact = base64Characters(text);
  const pads = compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0;
  const last = compact.charAt(compact.length - pads - 1);
  const valid =
    compact.length % 4 === 0 &&
    ALPHABET.test(compact) &&
    (pads === 0 || (pads === 1 ? BEFORE_ONE_PAD : BEFORE_TWO_PADS).includes(last));
  if (!valid) throw xtaError('PROFILE_VIOLATION', `${what} is not valid base64`);
  return Buffer.from(compact, 'base64');
}
