// The Authorization header as RFC 9110 §11 reads it: the scheme is case-insensitive, one or more
// spaces separate it from the credentials.
const CREDENTIALS = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +(\S.*)$/;

function credentialsOf(header: string | undefined, scheme: string): string | undefined {
  const match = header === undefined ? null : CREDENTIALS.exec(header.trim());
  return match && match[1]?.toLowerCase() === scheme ? match[2]?.trim() : undefined;
}

/** The token of an `Authorization: Bearer …` header (RFC 6750 §2.1, scheme in any case), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return credentialsOf(header, 'bearer');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function formDecode(value: string): string {
  // RFC 6749 §2.3.1: client id and secret are application/x-www-form-urlencoded before base64
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/**
 * Client credentials of an `Authorization: Basic …` header (RFC 7617, RFC 6749 §2.3.1): `undefined`
 * without a Basic header, `'malformed'` when it cannot be read (bad base64, not UTF-8, no colon, bad
 * percent-encoding) — the token endpoint answers that with 401 invalid_client, never a 500.
 */
export function basicCredentials(header: string | undefined): { id: string; secret: string } | 'malformed' | undefined {
  const encoded = credentialsOf(header, 'basic');
  if (encoded === undefined) return header !== undefined && /^basic\b/i.test(header.trim()) ? 'malformed' : undefined;
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return 'malformed';
  let decoded: string;
  try {
    decoded = UTF8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return 'malformed';
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return 'malformed';
  }
}
