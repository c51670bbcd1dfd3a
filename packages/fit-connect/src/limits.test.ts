import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { CompactEncrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { FIT_CONNECT_MAX_ATTACHMENT_BYTES, FIT_CONNECT_MAX_SUBMISSION_BYTES, jweLimits, maxCompactJweBytes, maxSubmissionJweBytes } from './limits.js';

describe('JWE size limits derived from plaintext limits', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 4096 });

  it.each([0, 1, 2, 3, 4, 1000, 65_537])('a real RSA-4096 JWE of %i plaintext bytes fits, with a realistic header', async (n) => {
    const jwe = await new CompactEncrypt(randomBytes(n))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'k'.repeat(43), cty: 'application/pdf' })
      .encrypt(publicKey);
    expect(jwe.length).toBeLessThanOrEqual(maxCompactJweBytes(n));
    // the derivation is tight in the ciphertext: 4/3 of the plaintext, not more
    expect(maxCompactJweBytes(n) - jwe.length).toBeLessThan(4096);
  });

  it('accepts FIT-Connect maxima: a 500 MB attachment is ~667 MiB as JWE, a 2 GB submission ~2.67 GiB', () => {
    expect(FIT_CONNECT_MAX_ATTACHMENT_BYTES).toBeGreaterThanOrEqual(500_000_000);
    expect(FIT_CONNECT_MAX_SUBMISSION_BYTES).toBeGreaterThanOrEqual(2_000_000_000);
    const limits = jweLimits({ metadataBytes: 512 * 1024, dataBytes: 16 * 1024 * 1024, attachmentBytes: FIT_CONNECT_MAX_ATTACHMENT_BYTES, submissionBytes: FIT_CONNECT_MAX_SUBMISSION_BYTES });
    expect(limits.attachmentBytes).toBeGreaterThan((FIT_CONNECT_MAX_ATTACHMENT_BYTES * 4) / 3);
    expect(limits.attachmentBytes).toBeLessThan((FIT_CONNECT_MAX_ATTACHMENT_BYTES * 4) / 3 + 8192);
    expect(maxSubmissionJweBytes(FIT_CONNECT_MAX_SUBMISSION_BYTES, 6)).toBeGreaterThan(maxCompactJweBytes(FIT_CONNECT_MAX_SUBMISSION_BYTES));
  });
});
