import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Forge from 'node-forge';
import { ErrorCode, WeicheError } from '@weiche/core';
import { formatDistinguishedName } from './distinguished-name.js';
import type { DnAttribute } from './distinguished-name.js';

// node-forge is CommonJS without ESM named exports, and its typings declare no default export
const forge = createRequire(import.meta.url)('node-forge') as typeof Forge;

// PKCS#12 bag types (RFC 7292 §4.2)
const OID_KEY_BAG = '1.2.840.113549.1.12.10.1.1';
const OID_SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';
const OID_CERT_BAG = '1.2.840.113549.1.12.10.1.3';

/** One private key of an OSCI keystore with the certificate senders encrypt to. */
export type OsciKeyEntry = {
  readonly privateKey: KeyObject;
  readonly certificatePem: string;
  /** Issuer as an RFC 4514 string (most specific RDN first). */
  readonly issuerName: string;
  /** Issuer attributes in certificate order, for matching `ds:X509IssuerName` by meaning. */
  readonly issuerAttributes: readonly DnAttribute[];
  /** Serial number in decimal, as `ds:X509SerialNumber` writes it (xsd:integer). */
  readonly serialNumber: string;
  /** SHA-256 over the certificate's DER, lower-case hex. */
  readonly certificateSha256: string;
  /** Subject key identifier extension value, when the certificate has one (matches `ds:X509SKI`). */
  readonly subjectKeyIdentifier?: Buffer;
};

/** The hub's OSCI keystore of one tenant: every key of the PKCS#12 that has its certificate. */
export type OsciKeystore = { readonly entries: readonly OsciKeyEntry[] };

function bagsOf(p12: Forge.pkcs12.Pkcs12Pfx, bagType: string): Forge.pkcs12.Bag[] {
  return p12.getBags({ bagType })[bagType] ?? [];
}

function entryFor(key: Forge.pki.rsa.PrivateKey, cert: Forge.pki.Certificate): OsciKeyEntry {
  const certificatePem = forge.pki.certificateToPem(cert);
  const der = new X509Certificate(certificatePem).raw;
  const issuerAttributes = cert.issuer.attributes.map((a) => ({ oid: String(a.type), value: String(a.value) }));
  const ski = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  return {
    // through node:crypto, so decryption runs natively and the key never prints
    privateKey: createPrivateKey(forge.pki.privateKeyToPem(key)),
    certificatePem,
    issuerName: formatDistinguishedName(issuerAttributes),
    issuerAttributes,
    serialNumber: BigInt(`0x${cert.serialNumber || '0'}`).toString(10),
    certificateSha256: createHash('sha256').update(der).digest('hex'),
    ...(ski?.subjectKeyIdentifier ? { subjectKeyIdentifier: Buffer.from(ski.subjectKeyIdentifier, 'hex') } : {}),
  };
}

/** Opens a PKCS#12 keystore (one or several key bags) into entries pairing each RSA key with its certificate. */
export function openOsciKeystore(opts: { pkcs12: Buffer; password: string }): OsciKeystore {
  let p12: Forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(opts.pkcs12.toString('binary')), opts.password);
  } catch (e) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, 'OSCI keystore could not be read (wrong password or not a PKCS#12 file)', {
      cause: e,
    });
  }
  const certs = bagsOf(p12, OID_CERT_BAG)
    .map((b) => b.cert)
    .filter((c): c is Forge.pki.Certificate => c !== undefined && c !== null);
  const entries: OsciKeyEntry[] = [];
  for (const bag of [...bagsOf(p12, OID_SHROUDED_KEY_BAG), ...bagsOf(p12, OID_KEY_BAG)]) {
    // forge leaves `key` unset for non-RSA keys; OSCI content keys are RSA (xenc rsa-oaep)
    const key = bag.key as Forge.pki.rsa.PrivateKey | undefined | null;
    if (!key?.n) continue;
    const modulus = key.n.toString(16);
    const cert = certs.find((c) => (c.publicKey as Partial<Forge.pki.rsa.PublicKey>).n?.toString(16) === modulus);
    if (cert) entries.push(entryFor(key, cert));
  }
  if (entries.length === 0) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, 'OSCI keystore holds no RSA private key together with its certificate');
  }
  return { entries };
}
