import { constants, privateDecrypt } from 'node:crypto';
import { OsciDecryptionError } from './osci-decryption-error.js';
import type { OsciKeyEntry } from './keystore.js';
import { ALG, NS } from './xml-namespaces.js';
import { attr, childElement, textContent } from '@weiche/xml';
import type { XmlElement } from '@weiche/xml';
import { decodeBase64 } from './x509-match.js';

/** Key transport URIs the hub opens (RSA-OAEP only: RSA PKCS#1 v1.5 is refused, Bleichenbacher). */
export type OsciKeyTransport = typeof ALG.rsaOaep | typeof ALG.rsaOaepMgf1p;

const DIGEST_HASH: Record<string, string> = {
  [ALG.sha1]: 'sha1',
  [ALG.sha256]: 'sha256',
  [ALG.sha384]: 'sha384',
  [ALG.sha512]: 'sha512',
};
const MGF_HASH: Record<string, string> = {
  [ALG.mgf1Sha1]: 'sha1',
  [ALG.mgf1Sha256]: 'sha256',
  [ALG.mgf1Sha384]: 'sha384',
  [ALG.mgf1Sha512]: 'sha512',
};

/** The OAEP hash an EncryptedKey's EncryptionMethod asks for, refusing what the profile does not allow. */
function oaepHash(method: XmlElement, allowLegacy: boolean): { transport: OsciKeyTransport; hash: string } {
  const algorithm = attr(method, 'Algorithm');
  const digestUri = childElement(method, NS.ds, 'DigestMethod');
  const digest = digestUri ? DIGEST_HASH[attr(digestUri, 'Algorithm') ?? ''] : 'sha1';
  if (digest === undefined) throw new OsciDecryptionError('unsupported-algorithm', 'unknown OAEP DigestMethod');
  let hash: string;
  let transport: OsciKeyTransport;
  if (algorithm === ALG.rsaOaepMgf1p) {
    transport = algorithm;
    // XML Enc 1.0 §5.4.2: mgf1p always uses MGF1 with SHA-1; node ties MGF1 to the OAEP hash
    if (digest !== 'sha1') throw new OsciDecryptionError('unsupported-algorithm', 'rsa-oaep-mgf1p with a DigestMethod other than SHA-1');
    hash = 'sha1';
  } else if (algorithm === ALG.rsaOaep) {
    transport = algorithm;
    // XML Enc 1.1 §5.5.2: DigestMethod and MGF default to SHA-1 / mgf1sha1
    const mgfEl = childElement(method, NS.xenc11, 'MGF');
    const mgf = mgfEl ? MGF_HASH[attr(mgfEl, 'Algorithm') ?? ''] : 'sha1';
    if (mgf === undefined) throw new OsciDecryptionError('unsupported-algorithm', 'unknown xenc11:MGF');
    if (mgf !== digest) {
      throw new OsciDecryptionError('unsupported-algorithm', `RSA-OAEP with DigestMethod ${digest} but MGF1 ${mgf} (must be equal)`);
    }
    hash = digest;
  } else {
    throw new OsciDecryptionError('unsupported-algorithm', 'key transport is not RSA-OAEP');
  }
  if (hash === 'sha1' && !allowLegacy) throw new OsciDecryptionError('legacy-not-allowed', 'RSA-OAEP with SHA-1');
  return { transport, hash };
}

/** Decrypts the content key of one `xenc:EncryptedKey` with the matching keystore entry. */
export function unwrapContentKey(
  encryptedKey: XmlElement,
  entry: OsciKeyEntry,
  allowLegacy: boolean,
): { key: Buffer; transport: OsciKeyTransport; oaepHash: string } {
  const method = childElement(encryptedKey, NS.xenc, 'EncryptionMethod');
  if (!method) throw new OsciDecryptionError('malformed', 'EncryptedKey without EncryptionMethod');
  const { transport, hash } = oaepHash(method, allowLegacy);
  const cipherValue = childElement(childElement(encryptedKey, NS.xenc, 'CipherData') ?? encryptedKey, NS.xenc, 'CipherValue');
  const wrapped = cipherValue ? decodeBase64(textContent(cipherValue)) : undefined;
  if (!wrapped) throw new OsciDecryptionError('malformed', 'EncryptedKey without a base64 CipherValue');
  const paramsEl = childElement(method, NS.xenc, 'OAEPparams');
  const label = paramsEl ? decodeBase64(textContent(paramsEl)) : undefined;
  if (paramsEl && !label) throw new OsciDecryptionError('malformed', 'OAEPparams is not base64');
  try {
    const key = privateDecrypt(
      { key: entry.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash, ...(label ? { oaepLabel: label } : {}) },
      wrapped,
    );
    return { key, transport, oaepHash: hash };
  } catch (e) {
    throw new OsciDecryptionError('decryption-failed', 'content key could not be unwrapped', e);
  }
}
