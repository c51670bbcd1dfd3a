import { createDecipheriv } from 'node:crypto';
import type { OsciKeystore } from './keystore.js';
import { OsciDecryptionError } from './osci-decryption-error.js';
import { unwrapContentKey } from './unwrap-content-key.js';
import type { OsciKeyTransport } from './unwrap-content-key.js';
import { ALG, NS } from './xml-namespaces.js';
import { attr, childElement, childElements, descendants, parseXml, textContent, XmlSyntaxError } from '@weiche/xml';
import type { XmlElement } from '@weiche/xml';
import { decodeBase64, entryForKeyInfo } from './x509-match.js';

/** Content encryption URIs the hub opens (CBC only when the tenant allows legacy algorithms). */
export type OsciContentAlgorithm = typeof ALG.aes256Gcm | typeof ALG.aes256Cbc;

/** What was opened, and with which key — for the audit log (never log `plaintext`). */
export type OsciDecryptionResult = {
  readonly plaintext: Buffer;
  readonly algorithm: OsciContentAlgorithm;
  readonly keyTransport: OsciKeyTransport;
  /** True when a legacy algorithm (AES-CBC, RSA-OAEP with SHA-1) was used. */
  readonly legacy: boolean;
  /** The keystore certificate the content was encrypted for. */
  readonly recipient: { readonly certificateSha256: string; readonly issuerName: string; readonly serialNumber: string };
  /** `MimeType` of the EncryptedData, when given. */
  readonly mimeType?: string;
};

export type DecryptOsciOptions = {
  /** Tenant setting: accept AES-256-CBC and RSA-OAEP with SHA-1 (xta-osci.md, "Content encryption"). */
  readonly allowLegacy: boolean;
  /** MTOM parts by Content-ID (without `cid:`), for a CipherValue that is an `xop:Include`. */
  readonly xopAttachments?: ReadonlyMap<string, Buffer>;
};

function contentAlgorithm(encryptedData: XmlElement, allowLegacy: boolean): OsciContentAlgorithm {
  const method = childElement(encryptedData, NS.xenc, 'EncryptionMethod');
  const algorithm = method ? attr(method, 'Algorithm') : undefined;
  if (algorithm === undefined) throw new OsciDecryptionError('malformed', 'EncryptedData without EncryptionMethod');
  if (algorithm === ALG.aes256Gcm) return algorithm;
  if (algorithm === ALG.aes256Cbc) {
    if (!allowLegacy) throw new OsciDecryptionError('legacy-not-allowed', 'AES-256-CBC');
    return algorithm;
  }
  throw new OsciDecryptionError('unsupported-algorithm', 'content encryption is neither AES-256-GCM nor AES-256-CBC');
}

function cipherBytes(encryptedData: XmlElement, xop: ReadonlyMap<string, Buffer> | undefined): Buffer {
  const cipherData = childElement(encryptedData, NS.xenc, 'CipherData');
  if (!cipherData) throw new OsciDecryptionError('malformed', 'EncryptedData without CipherData');
  const cipherValue = childElement(cipherData, NS.xenc, 'CipherValue');
  if (!cipherValue) throw new OsciDecryptionError('unsupported-algorithm', 'only CipherValue is supported, not CipherReference');
  const include = childElement(cipherValue, NS.xop, 'Include');
  if (include) {
    // XOP §3: the base64 content travels as a MIME part named by cid: URL (RFC 2392)
    const href = attr(include, 'href') ?? '';
    const part = href.startsWith('cid:') ? xop?.get(decodeURIComponent(href.slice(4))) : undefined;
    if (!part) throw new OsciDecryptionError('malformed', 'xop:Include names no attached MIME part');
    return part;
  }
  const bytes = decodeBase64(textContent(cipherValue));
  if (!bytes) throw new OsciDecryptionError('malformed', 'CipherValue is not base64');
  return bytes;
}

function decryptGcm(key: Buffer, data: Buffer): Buffer {
  // xmlenc11 §5.2.4: IV (96 bit) ‖ ciphertext ‖ tag (128 bit)
  if (data.length < 12 + 16) throw new OsciDecryptionError('malformed', 'AES-GCM CipherValue shorter than IV and tag');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12), { authTagLength: 16 });
    decipher.setAuthTag(data.subarray(data.length - 16));
    const plaintext = decipher.update(data.subarray(12, data.length - 16));
    decipher.final();
    return plaintext;
  } catch (e) {
    throw new OsciDecryptionError('decryption-failed', 'AES-GCM authentication failed', e);
  }
}

function decryptCbc(key: Buffer, data: Buffer): Buffer {
  // xmlenc §5.2: IV (128 bit) ‖ ciphertext; padding bytes are arbitrary except the last, which counts them
  if (data.length < 32 || data.length % 16 !== 0) throw new OsciDecryptionError('malformed', 'AES-CBC CipherValue has a bad length');
  let padded: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, data.subarray(0, 16));
    decipher.setAutoPadding(false);
    padded = decipher.update(data.subarray(16));
    decipher.final();
  } catch (e) {
    throw new OsciDecryptionError('decryption-failed', 'AES-CBC decryption failed', e);
  }
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > 16) throw new OsciDecryptionError('decryption-failed', 'AES-CBC padding is invalid');
  return padded.subarray(0, padded.length - pad);
}

function findEncryptedData(xml: string | Buffer): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(xml).root;
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new OsciDecryptionError('malformed', e.message, e);
    throw e;
  }
  const found = descendants(root, NS.xenc, 'EncryptedData')[0];
  if (!found) throw new OsciDecryptionError('malformed', 'no xenc:EncryptedData');
  return found;
}

/** Opens an OSCI `xenc:EncryptedData` (AES-256-GCM; CBC and OAEP-SHA-1 only with allowLegacy) with the tenant's keystore. */
export function decryptOsciContent(
  encryptedDataXml: string | Buffer,
  keystore: OsciKeystore,
  opts: DecryptOsciOptions,
): OsciDecryptionResult {
  const encryptedData = findEncryptedData(encryptedDataXml);
  const algorithm = contentAlgorithm(encryptedData, opts.allowLegacy);
  const keyInfo = childElement(encryptedData, NS.ds, 'KeyInfo');
  const encryptedKeys = keyInfo ? childElements(keyInfo, NS.xenc, 'EncryptedKey') : [];
  if (encryptedKeys.length === 0) throw new OsciDecryptionError('malformed', 'no ds:KeyInfo/xenc:EncryptedKey');
  // one EncryptedKey per reader (xta-osci.md): take the one naming a certificate we hold
  let chosen: { encryptedKey: XmlElement; entry: OsciKeystore['entries'][number] } | undefined;
  for (const encryptedKey of encryptedKeys) {
    const entry = entryForKeyInfo(childElement(encryptedKey, NS.ds, 'KeyInfo'), keystore.entries);
    if (entry) {
      chosen = { encryptedKey, entry };
      break;
    }
  }
  if (!chosen) throw new OsciDecryptionError('no-matching-key', `none of ${encryptedKeys.length} EncryptedKey(s) names a keystore certificate`);
  const { key, transport, oaepHash } = unwrapContentKey(chosen.encryptedKey, chosen.entry, opts.allowLegacy);
  if (key.length !== 32) throw new OsciDecryptionError('decryption-failed', 'content key is not 256 bit');
  const data = cipherBytes(encryptedData, opts.xopAttachments);
  const plaintext = algorithm === ALG.aes256Gcm ? decryptGcm(key, data) : decryptCbc(key, data);
  key.fill(0);
  const mimeType = attr(encryptedData, 'MimeType');
  return {
    plaintext,
    algorithm,
    keyTransport: transport,
    legacy: algorithm === ALG.aes256Cbc || oaepHash === 'sha1',
    recipient: {
      certificateSha256: chosen.entry.certificateSha256,
      issuerName: chosen.entry.issuerName,
      serialNumber: chosen.entry.serialNumber,
    },
    ...(mimeType === undefined ? {} : { mimeType }),
  };
}
