import { createPublicKey, X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Forge from 'node-forge';
import { calculateJwkThumbprint } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateRsaKeyPair,
  keyIdOf,
  thumbprintOf,
  withFormerKids,
  privateKeyFromPem,
  publicEncryptionJwk,
  publicSigningJwk,
  readPkcs12,
} from './keys.js';

const forge = createRequire(import.meta.url)('node-forge') as typeof Forge;
let pair: { privateKeyPem: string; certificatePem: string };

beforeAll(async () => {
  pair = await generateRsaKeyPair({ commonName: 'weiche-test', validDays: 30 });
});

describe('generateRsaKeyPair', () => {
  it('makes a 4096-bit key with a matching self-signed certificate', () => {
    const key = privateKeyFromPem(pair.privateKeyPem);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(4096);
    const cert = new X509Certificate(pair.certificatePem);
    expect(cert.subject).toContain('CN=weiche-test');
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
  });

  it('honours a smaller key size', async () => {
    const small = await generateRsaKeyPair({ commonName: 'small', bits: 2048 });
    expect(privateKeyFromPem(small.privateKeyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});

describe('JWKs and kid', () => {
  it('kid is the RFC 7638 thumbprint (agrees with jose) cut to 32 characters, within FIT-Connect’s keyId maxLength 36', async () => {
    const { n = '', e = '' } = createPublicKey(pair.certificatePem).export({ format: 'jwk' });
    const thumbprint = await calculateJwkThumbprint({ kty: 'RSA', n, e }, 'sha256');
    expect(thumbprintOf(pair.certificatePem)).toBe(thumbprint);
    expect(keyIdOf(pair.certificatePem)).toBe(thumbprint.slice(0, 32));
  });

  it('withFormerKids adds each key under its full thumbprint, once; a kid that is no cut thumbprint stays alone', () => {
    const kid = keyIdOf(pair.certificatePem);
    const own = publicSigningJwk({ certificatePem: pair.certificatePem, kid });
    const relay = publicSigningJwk({ certificatePem: pair.certificatePem, kid: 'c66e4423-e28d-4a1f-911d-818f9ab60221' });
    expect(withFormerKids([own, relay]).map((k) => k.kid)).toEqual([kid, relay.kid, thumbprintOf(pair.certificatePem)]);
    expect(withFormerKids([{ ...own, kid: thumbprintOf(pair.certificatePem) }])).toHaveLength(1);
  });

  it('publishes the encryption key the way FIT-Connect does', () => {
    const jwk = publicEncryptionJwk({ certificatePem: pair.certificatePem, kid: 'k1' });
    expect(jwk).toMatchObject({ kty: 'RSA', kid: 'k1', alg: 'RSA-OAEP-256', use: 'enc', key_ops: ['wrapKey'], e: 'AQAB' });
    // FIT-Connect: RSA 4096 means n has at least 683 base64url characters
    expect(jwk.n.length).toBeGreaterThanOrEqual(683);
    expect(jwk.x5c).toHaveLength(1);
    expect(new X509Certificate(Buffer.from(jwk.x5c?.[0] ?? '', 'base64')).fingerprint256).toBe(
      new X509Certificate(pair.certificatePem).fingerprint256,
    );
    expect(jwk).not.toHaveProperty('d');
  });

  it('publishes the signing key with PS512 and verify', () => {
    const jwk = publicSigningJwk({ certificatePem: pair.certificatePem, kid: 'k2' });
    expect(jwk).toMatchObject({ kid: 'k2', alg: 'PS512', use: 'sig', key_ops: ['verify'] });
    expect(jwk.x5c).toHaveLength(1);
  });
});

describe('readPkcs12', () => {
  function makeP12(password: string, withChain: boolean): Buffer {
    const key = forge.pki.privateKeyFromPem(pair.privateKeyPem);
    const chain = [forge.pki.certificateFromPem(pair.certificatePem)];
    if (withChain) {
      const caKeys = forge.pki.rsa.generateKeyPair(1024);
      const ca = forge.pki.createCertificate();
      ca.publicKey = caKeys.publicKey;
      ca.serialNumber = '02';
      ca.validity.notBefore = new Date();
      ca.validity.notAfter = new Date(Date.now() + 86_400_000);
      ca.setSubject([{ name: 'commonName', value: 'test-ca' }]);
      ca.setIssuer([{ name: 'commonName', value: 'test-ca' }]);
      ca.sign(caKeys.privateKey, forge.md.sha256.create());
      chain.push(ca);
    }
    const asn1 = forge.pkcs12.toPkcs12Asn1(key, chain, password, { algorithm: '3des' });
    return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
  }

  it('round-trips key, certificate and chain', () => {
    const out = readPkcs12(makeP12('s3cret', true), 's3cret');
    expect(out.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    expect(new X509Certificate(out.certificatePem).checkPrivateKey(privateKeyFromPem(out.privateKeyPem))).toBe(true);
    expect(keyIdOf(out.certificatePem)).toBe(keyIdOf(pair.certificatePem));
    expect(out.chainPem).toHaveLength(1);
    expect(new X509Certificate(out.chainPem[0] ?? '').subject).toContain('CN=test-ca');
  });

  it('refuses a wrong password with CONFIG_INVALID', () => {
    const der = makeP12('right', false);
    expect(() => readPkcs12(der, 'wrong')).toThrow(expect.objectContaining({ code: 'WEICHE_ERR_CONFIG_INVALID' }));
  });
});
