import { createHash } from 'node:crypto';
import { sameDistinguishedName } from './distinguished-name.js';
import type { OsciKeyEntry } from './keystore.js';
import { NS } from './xml-namespaces.js';
import { childElement, childElements, textContent } from '@weiche/xml';
import type { XmlElement } from '@weiche/xml';

function isBase64(text: string): boolean {
  // a linear scan: CipherValues reach tens of MB, where a backtracking regex would hurt
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (c === 0x3d) {
      if (++padding > 2) return false;
      continue;
    }
    const alphabet = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    if (!alphabet || padding > 0) return false;
  }
  return true;
}

/** Decodes xsd:base64Binary (whitespace allowed); undefined when it is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  return isBase64(text) ? Buffer.from(text, 'base64') : undefined;
}

function decimal(text: string): string | undefined {
  const t = text.trim();
  return /^[+-]?[0-9]+$/.test(t) ? BigInt(t).toString(10) : undefined;
}

/** True when one `ds:X509Data` names the entry's certificate: by X509Certificate, X509IssuerSerial or X509SKI (xmldsig §4.4.4). */
export function x509DataMatches(x509Data: XmlElement, entry: OsciKeyEntry): boolean {
  for (const c of childElements(x509Data, NS.ds, 'X509Certificate')) {
    const der = decodeBase64(textContent(c));
    if (der && createHash('sha256').update(der).digest('hex') === entry.certificateSha256) return true;
  }
  for (const is of childElements(x509Data, NS.ds, 'X509IssuerSerial')) {
    const name = childElement(is, NS.ds, 'X509IssuerName');
    const serial = childElement(is, NS.ds, 'X509SerialNumber');
    if (!name || !serial) continue;
    if (decimal(textContent(serial)) === entry.serialNumber && sameDistinguishedName(textContent(name), entry.issuerAttributes)) {
      return true;
    }
  }
  if (entry.subjectKeyIdentifier) {
    for (const s of childElements(x509Data, NS.ds, 'X509SKI')) {
      const ski = decodeBase64(textContent(s));
      if (ski?.equals(entry.subjectKeyIdentifier)) return true;
    }
  }
  return false;
}

/** The keystore entry a `ds:KeyInfo` names through any of its `ds:X509Data`, if any. */
export function entryForKeyInfo(keyInfo: XmlElement | undefined, entries: readonly OsciKeyEntry[]): OsciKeyEntry | undefined {
  if (!keyInfo) return undefined;
  const data = childElements(keyInfo, NS.ds, 'X509Data');
  return entries.find((e) => data.some((d) => x509DataMatches(d, e)));
}
