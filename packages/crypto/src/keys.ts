import { createHash, createPrivateKey, createPublicKey, generateKeyPair, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type * as Forge from 'node-forge';
import { ErrorCode, WeicheError } from '@weiche/core';
import { KID_LENGTH, sameKid } from './key-id.js';

// node-forge is CommonJS without ESM named exports, and its typings declare no default export
const forge = createRequire(import.meta.url)('node-forge') as typeof Forge;
const generateKeyPairAsync = promisify(generateKeyPair);

/** A public RSA JWK as FIT-Connect publishes it (encryption or signature verification). */
export type PublicJwk = {
  kty: 'RSA';
  kid: string;
  alg: string;
  use: 'enc' | 'sig';
  key_ops: string[];
  n: string;
  e: string;
  x5c?: string[];
};

/** RSA key pair (default 4096 bit) plus a self-signed X.509 certificate (for tests, demos and first start). */
export async function generateRsaKeyPair(opts: {
  commonName: string;
  bits?: number;
  validDays?: number;
}): Promise<{ privateKeyPem: string; certificatePem: string }> {
  // node:crypto generates in native code (about 1 s for 4096 bit); forge would take many seconds.
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: opts.bits ?? 4096,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // positive serial: a leading 0x00..0x7f byte keeps the DER INTEGER non-negative
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(15));
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + (opts.validDays ?? 365) * 86_400_000);
  const subject = [{ name: 'commonName', value: opts.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { privateKeyPem: privateKey, certificatePem: forge.pki.certificateToPem(cert) };
}

// PKCS#12 bag types (RFC 7292 §4.2)
const OID_KEY_BAG = '1.2.840.113549.1.12.10.1.1';
const OID_SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';
const OID_CERT_BAG = '1.2.840.113549.1.12.10.1.3';

function bagsOf(p12: Forge.pkcs12.Pkcs12Pfx, bagType: string): Forge.pkcs12.Bag[] {
  return p12.getBags({ bagType })[bagType] ?? [];
}

/** Reads a PKCS#12 (.p12/.pfx) into PEM strings: the private key (PKCS#8), its certificate and the rest of the chain. */
export function readPkcs12(
  der: Buffer,
  password: string,
): { privateKeyPem: string; certificatePem: string; chainPem: string[] } {
  let p12: Forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der.toString('binary')), password);
  } catch (e) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, 'PKCS#12 could not be read (wrong password or not a PKCS#12 file)', {
      cause: e,
    });
  }
  const keyBags = [...bagsOf(p12, OID_SHROUDED_KEY_BAG), ...bagsOf(p12, OID_KEY_BAG)];
  const key = keyBags.find((b) => b.key !== undefined)?.key;
  if (!key) throw new WeicheError(ErrorCode.CONFIG_INVALID, 'PKCS#12 holds no private key');
  const certs = bagsOf(p12, OID_CERT_BAG)
    .map((b) => b.cert)
    .filter((c): c is Forge.pki.Certificate => c !== undefined && c !== null);
  // re-export through node:crypto so callers always get PKCS#8, whatever the container held
  const privateKeyPem = createPrivateKey(forge.pki.privateKeyToPem(key))
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const keyModulus = (key as Forge.pki.rsa.PrivateKey).n.toString(16);
  const own = certs.find((c) => (c.publicKey as Forge.pki.rsa.PublicKey).n.toString(16) === keyModulus);
  if (!own) throw new WeicheError(ErrorCode.CONFIG_INVALID, 'PKCS#12 holds no certificate for its private key');
  return {
    privateKeyPem,
    certificatePem: forge.pki.certificateToPem(own),
    chainPem: certs.filter((c) => c !== own).map((c) => forge.pki.certificateToPem(c)),
  };
}

/** Parses a PEM private key (PKCS#8 or PKCS#1) into a node:crypto KeyObject. */
export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

function rsaComponents(certificatePem: string): { n: string; e: string } {
  const jwk = createPublicKey(certificatePem).export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, 'certificate does not hold an RSA public key');
  }
  return { n: jwk.n, e: jwk.e };
}

/** RFC 7638 JWK thumbprint (base64url, SHA-256, 43 characters) of the certificate's public key: the kid before 1.x. */
export function thumbprintOf(certificatePem: string): string {
  return rsaThumbprint(rsaComponents(certificatePem));
}

function rsaThumbprint({ n, e }: { n: string; e: string }): string {
  // RFC 7638 §3.2: required members only, lexicographic order, no whitespace
  return createHash('sha256').update(JSON.stringify({ e, kty: 'RSA', n })).digest('base64url');
}

/**
 * The JWKS with each hub key also under its former kid (the full thumbprint), after it under its kid: a SET signed
 * before 1.x names the former kid, and verifiers such as jose pick a JWKS entry by exact kid (JWK kid: up to 64
 * characters in the OpenAPI, only the path's keyId is limited to 36). Keys whose kid is not a cut thumbprint
 * (a relay subscriber's) appear once.
 */
export function withFormerKids(jwks: readonly PublicJwk[]): PublicJwk[] {
  const former = jwks.flatMap((jwk) => {
    const thumbprint = rsaThumbprint(jwk);
    return thumbprint !== jwk.kid && sameKid(thumbprint, jwk.kid) ? [{ ...jwk, kid: thumbprint }] : [];
  });
  return [...jwks, ...former];
}

/** The kid of the certificate's key: its thumbprint's first 32 characters, within FIT-Connect's 36 (key-id.ts says why). */
export function keyIdOf(certificatePem: string): string {
  return thumbprintOf(certificatePem).slice(0, KID_LENGTH);
}

function x5cOf(certificatePem: string): string[] {
  return [new X509Certificate(certificatePem).raw.toString('base64')];
}

/** Public encryption JWK as FIT-Connect publishes it: RSA-OAEP-256, use enc, key_ops ["wrapKey"], x5c. */
export function publicEncryptionJwk(opts: { certificatePem: string; kid: string }): PublicJwk {
  return {
    kty: 'RSA',
    kid: opts.kid,
    alg: 'RSA-OAEP-256',
    use: 'enc',
    key_ops: ['wrapKey'],
    ...rsaComponents(opts.certificatePem),
    x5c: x5cOf(opts.certificatePem),
  };
}

/** Public signature-verification JWK: PS512, use sig, key_ops ["verify"], x5c. */
export function publicSigningJwk(opts: { certificatePem: string; kid: string }): PublicJwk {
  return {
    kty: 'RSA',
    kid: opts.kid,
    alg: 'PS512',
    use: 'sig',
    key_ops: ['verify'],
    ...rsaComponents(opts.certificatePem),
    x5c: x5cOf(opts.certificatePem),
  };
}
