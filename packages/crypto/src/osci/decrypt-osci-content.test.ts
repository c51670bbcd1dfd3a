import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { decryptOsciContent } from './decrypt-osci-content.js';
import { openOsciKeystore } from './keystore.js';
import type { OsciKeystore } from './keystore.js';
import { OsciDecryptionError } from './osci-decryption-error.js';
import type { OsciDecryptionReason } from './osci-decryption-error.js';
import { buildEncryptedData, buildPkcs12, createTestIdentity } from './test-support.js';
import type { TestIdentity } from './test-support.js';
import { ALG } from './xml-namespaces.js';

const PLAINTEXT = Buffer.from('<xbau:baugenehmigung.antrag.0200>Antrag von Erika Mustermann</xbau:baugenehmigung.antrag.0200>');

async function reasonOf(fn: () => Promise<unknown>): Promise<OsciDecryptionReason | undefined> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof OsciDecryptionError) {
      expect(e.code).toBe(ErrorCode.ENCRYPTION);
      expect(e.retryable).toBe(false);
      expect(e.message).not.toContain('Mustermann');
      return e.reason;
    }
    throw e;
  }
  return undefined;
}

/** Flips one bit of the base64 CipherValue of the EncryptedData (the last CipherValue in the document). */
function tamper(xml: string, cipherValue: Buffer, at: number): string {
  const b64 = cipherValue.toString('base64');
  const bytes = Buffer.from(cipherValue);
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return xml.replace(b64, bytes.toString('base64'));
}

describe('decryptOsciContent', () => {
  let readerA: TestIdentity;
  let readerB: TestIdentity;
  let stranger: TestIdentity;
  let keystoreB: OsciKeystore;
  let keystoreAB: OsciKeystore;

  beforeAll(async () => {
    [readerA, readerB, stranger] = await Promise.all([
      createTestIdentity({ commonName: 'Leser A', organization: 'Stadt A' }),
      createTestIdentity({ commonName: 'Leser B', organization: 'Stadt B' }),
      createTestIdentity({ commonName: 'Fremd' }),
    ]);
    keystoreB = openOsciKeystore({ pkcs12: buildPkcs12({ identities: [readerB], password: 'pw' }), password: 'pw' });
    keystoreAB = openOsciKeystore({ pkcs12: buildPkcs12({ identities: [readerA, readerB], password: 'pw' }), password: 'pw' });
  });

  it('opens AES-256-GCM with RSA-OAEP SHA-256 / MGF1-SHA-256', async () => {
    const { xml } = buildEncryptedData({ plaintext: PLAINTEXT, recipients: [{ certificatePem: readerB.certificatePem }], mimeType: 'application/xml' });
    const r = await decryptOsciContent(xml, keystoreB, { allowLegacy: false });
    expect(r.plaintext.equals(PLAINTEXT)).toBe(true);
    expect(r.algorithm).toBe(ALG.aes256Gcm);
    expect(r.keyTransport).toBe(ALG.rsaOaep);
    expect(r.legacy).toBe(false);
    expect(r.mimeType).toBe('application/xml');
    expect(r.recipient.certificateSha256).toBe(keystoreB.entries[0]?.certificateSha256);
  });

  it('opens a Buffer and a large payload', async () => {
    const big = randomBytes(3 * 1024 * 1024);
    const { xml } = buildEncryptedData({ plaintext: big, recipients: [{ certificatePem: readerB.certificatePem }] });
    expect((await decryptOsciContent(Buffer.from(xml), keystoreB, { allowLegacy: false })).plaintext.equals(big)).toBe(true);
  });

  it('opens AES-256-CBC only when legacy is allowed', async () => {
    const { xml } = buildEncryptedData({ plaintext: PLAINTEXT, recipients: [{ certificatePem: readerB.certificatePem }], content: 'aes256-cbc' });
    const r = await decryptOsciContent(xml, keystoreB, { allowLegacy: true });
    expect(r.plaintext.equals(PLAINTEXT)).toBe(true);
    expect(r.algorithm).toBe(ALG.aes256Cbc);
    expect(r.legacy).toBe(true);
    expect(await reasonOf(() => decryptOsciContent(xml, keystoreB, { allowLegacy: false }))).toBe('legacy-not-allowed');
  });

  it('opens rsa-oaep-mgf1p (SHA-1) only when legacy is allowed', async () => {
    const { xml } = buildEncryptedData({ plaintext: PLAINTEXT, recipients: [{ certificatePem: readerB.certificatePem }], keyTransport: 'rsa-oaep-mgf1p' });
    const r = await decryptOsciContent(xml, keystoreB, { allowLegacy: true });
    expect(r.plaintext.equals(PLAINTEXT)).toBe(true);
    expect(r.keyTransport).toBe(ALG.rsaOaepMgf1p);
    expect(r.legacy).toBe(true);
    expect(await reasonOf(() => decryptOsciContent(xml, keystoreB, { allowLegacy: false }))).toBe('legacy-not-allowed');
  });

  it('refuses RSA-OAEP whose DigestMethod and MGF differ, even with legacy allowed', async () => {
    const { xml } = buildEncryptedData({
      plaintext: PLAINTEXT,
      recipients: [{ certificatePem: readerB.certificatePem }],
      keyTransport: 'rsa-oaep-sha256-mgf1sha1',
    });
    expect(await reasonOf(() => decryptOsciContent(xml, keystoreB, { allowLegacy: true }))).toBe('unsupported-algorithm');
  });

  it.each(['certificate', 'issuer-serial', 'ski'] as const)('picks the EncryptedKey of our reader among two, by %s', async (identifyBy) => {
    const { xml } = buildEncryptedData({
      plaintext: PLAINTEXT,
      recipients: [
        { certificatePem: stranger.certificatePem, identifyBy },
        { certificatePem: readerB.certificatePem, identifyBy },
      ],
    });
    const r = await decryptOsciContent(xml, keystoreB, { allowLegacy: false });
    expect(r.plaintext.equals(PLAINTEXT)).toBe(true);
    expect(r.recipient.serialNumber).toBe(keystoreB.entries[0]?.serialNumber);
  });

  it('uses the right key of a keystore holding several', async () => {
    const { xml } = buildEncryptedData({ plaintext: PLAINTEXT, recipients: [{ certificatePem: readerB.certificatePem, identifyBy: 'issuer-serial' }] });
    const r = await decryptOsciContent(xml, keystoreAB, { allowLegacy: false });
    expect(r.plaintext.equals(PLAINTEXT)).toBe(true);
    expect(r.recipient.issuerName).toBe('CN=Leser B,O=Stadt B,C=DE');
  });

  it('answers no-matching-key when no EncryptedKey names a keystore certificate', async () => {
    const { xml } = buildEncryptedData({
      plaintext: PLAINTEXT,
      recipients: [{ certificatePem: stranger.certificatePem }, { certificatePem: readerA.certificatePem, identifyBy: 'issuer-serial' }],
    });
    expect(await reasonOf(() => decryptOsciContent(xml, keystoreB, { allowLegacy: true }))).toBe('no-matching-key');
  });

  it('answers decryption-failed for a tampered GCM tag and a tampered ciphertext', async () => {
    const { xml, cipherValue } = buildEncryptedData({ plaintext: PLAINTEXT, recipients: [{ certificatePem: readerB.certificatePem }] });
    expect(await reasonOf(() => decryptOsciContent(tamper(xml, cipherValue, cipherValue.length - 1), keystoreB, { allowLegacy: false }))).toBe(
      'decryption-failed',
    );
    expect(await reasonOf(() => decryptOsciContent(tamper(xml, cipherValue, 20), keystoreB, { allowLegacy: false }))).toBe('decryption-failed');
  });

  it('refuses a DTD and malformed XML as malformed', async () => {
    const { xml } = buildEncryptedData({ plaintext: PLAINTEXT, recipients: [{ certificatePem: readerB.certificatePem }] });
    const withDtd = xml.replace('?>\n', '?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>');
    expect(await reasonOf(() => decryptOsciContent(withDtd, keystoreB, { allowLegacy: false }))).toBe('malformed');
    expect(await reasonOf(() => decryptOsciContent(xml.slice(0, -30), keystoreB, { allowLegacy: false }))).toBe('malformed');
    expect(await reasonOf(() => decryptOsciContent('<r/>', keystoreB, { allowLegacy: false }))).toBe('malformed');
  });

  it('refuses unknown content algorithms', async () => {
    const { xml } = buildEncryptedData({ plaintext: PLAINTEXT, recipients: [{ certificatePem: readerB.certificatePem }] });
    const aes128 = xml.replace(ALG.aes256Gcm, 'http://www.w3.org/2009/xmlenc11#aes128-gcm');
    expect(await reasonOf(() => decryptOsciContent(aes128, keystoreB, { allowLegacy: true }))).toBe('unsupported-algorithm');
  });

  it('reads the ciphertext from an MTOM part named by xop:Include', async () => {
    const { xml, cipherValue } = buildEncryptedData({ plaintext: PLAINTEXT, recipients: [{ certificatePem: readerB.certificatePem }] });
    const mtom = xml.replace(
      cipherValue.toString('base64'),
      '<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:content%401"/>',
    );
    const r = await decryptOsciContent(mtom, keystoreB, { allowLegacy: false, xopAttachments: new Map([['content@1', cipherValue]]) });
    expect(r.plaintext.equals(PLAINTEXT)).toBe(true);
    expect(await reasonOf(() => decryptOsciContent(mtom, keystoreB, { allowLegacy: false }))).toBe('malformed');
  });
});
