/**
 * Distinguished names as XML Signature writes them in `ds:X509IssuerName` (RFC 4514 strings, xmldsig
 * §4.4.4), compared by meaning rather than spelling: attribute types by OID, values trimmed, whitespace
 * collapsed and case-folded, RDN order ignored (senders disagree on it). Hex-encoded values (`#…`) are
 * compared as written.
 */

const SHORT_NAMES: Record<string, string> = {
  CN: '2.5.4.3',
  SURNAME: '2.5.4.4',
  SN: '2.5.4.4',
  SERIALNUMBER: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  S: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  T: '2.5.4.12',
  TITLE: '2.5.4.12',
  POSTALCODE: '2.5.4.17',
  GIVENNAME: '2.5.4.42',
  G: '2.5.4.42',
  GN: '2.5.4.42',
  PSEUDONYM: '2.5.4.65',
  ORGANIZATIONIDENTIFIER: '2.5.4.97',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  E: '1.2.840.113549.1.9.1',
  EMAIL: '1.2.840.113549.1.9.1',
  EMAILADDRESS: '1.2.840.113549.1.9.1',
};

const OID_TO_SHORT: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

/** One attribute of a name: type as OID, value as decoded text. */
export type DnAttribute = { readonly oid: string; readonly value: string };

function normaliseType(type: string): string {
  const t = type.trim().replace(/^oid\./i, '');
  if (/^[0-9]+(\.[0-9]+)+$/.test(t)) return t;
  return SHORT_NAMES[t.toUpperCase()] ?? t.toUpperCase();
}

function normaliseValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Parses an RFC 4514 (or RFC 2253 with `;`) string into its attributes; undefined when it is not one. */
export function parseDistinguishedName(dn: string): DnAttribute[] | undefined {
  const out: DnAttribute[] = [];
  let i = 0;
  while (i < dn.length) {
    const eq = dn.indexOf('=', i);
    if (eq < 0) return undefined;
    const type = dn.slice(i, eq);
    i = eq + 1;
    const bytes: number[] = [];
    let raw = '';
    for (; i < dn.length; i++) {
      const c = dn[i] ?? '';
      if (c === ',' || c === '+' || c === ';') break;
      if (c === '\\') {
        const hex = dn.slice(i + 1, i + 3);
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 2;
          continue;
        }
        const next = dn[i + 1];
        if (next === undefined) return undefined;
        raw += Buffer.from(bytes).toString('utf8') + next;
        bytes.length = 0;
        i++;
        continue;
      }
      raw += Buffer.from(bytes).toString('utf8') + c;
      bytes.length = 0;
    }
    raw += Buffer.from(bytes).toString('utf8');
    i++;
    if (type.trim() === '') return undefined;
    out.push({ oid: normaliseType(type), value: raw });
  }
  return out.length > 0 ? out : undefined;
}

function key(attrs: readonly DnAttribute[]): string {
  return attrs
    .map((a) => `${a.oid}=${normaliseValue(a.value)}`)
    .sort()
    .join('\u0000');
}

/** True when an RFC 4514 string names the same entity as the given attributes (see module comment for the rules). */
export function sameDistinguishedName(written: string, attrs: readonly DnAttribute[]): boolean {
  const parsed = parseDistinguishedName(written);
  return parsed !== undefined && key(parsed) === key(attrs);
}

function escapeValue(v: string): string {
  return v.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]/, (c) => `\\${c}`).replace(/ $/, '\\ ');
}

/** Formats attributes (in certificate order) as an RFC 4514 string (most specific RDN first). */
export function formatDistinguishedName(attrs: readonly DnAttribute[]): string {
  return [...attrs]
    .reverse()
    .map((a) => `${OID_TO_SHORT[a.oid] ?? a.oid}=${escapeValue(a.value)}`)
    .join(',');
}
