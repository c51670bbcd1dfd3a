import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { acceptPayload, EVENT_URI, SET_PAYLOAD_SCHEMA } from '@weiche/fit-connect';
import { verifyAnswer, type AnswerExpectation } from './answer-set.js';

// docs.fitko.de "SET Prüfung": a SET SHOULD name its SET-payload schema under `$schema` (optional for now, to become
// mandatory); a subscriber's SET that names one must be let through, one that names something else is not believed.

describe('verifyAnswer: $schema of a subscriber’s SET', () => {
  let expectation: AnswerExpectation;
  let sign: (claims: Record<string, unknown>) => Promise<string>;
  const tags = { metadata: 'm', attachments: {} };

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('PS512', { modulusLength: 2048 });
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'subscriber-key', alg: 'PS512' };
    expectation = { destinationId: randomUUID(), caseId: randomUUID(), submissionId: randomUUID(), signatureKeys: { keys: [jwk] } };
    sign = (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'PS512', typ: 'secevent+jwt', kid: 'subscriber-key' }).sign(privateKey);
  });

  function accept(extra: Record<string, unknown>): Promise<string> {
    return sign({
      ...extra,
      iss: expectation.destinationId,
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      sub: `submission:${expectation.submissionId}`,
      txn: `case:${expectation.caseId}`,
      events: { [EVENT_URI('accept-submission')]: acceptPayload(tags) },
    });
  }

  it.each([
    ['the hub’s own', SET_PAYLOAD_SCHEMA],
    ['a later 1.x', 'https://schema.fitko.de/fit-connect/set-payload/1.2.2/set-payload.schema.json'],
  ])('takes %s SET-payload schema', async (_name, schema) => {
    await expect(verifyAnswer(await accept({ $schema: schema }), expectation)).resolves.toMatchObject({ event: 'accept-submission', authenticationTags: tags });
  });

  it('takes a SET without $schema (still optional)', async () => {
    await expect(verifyAnswer(await accept({}), expectation)).resolves.toMatchObject({ event: 'accept-submission' });
  });

  it.each([
    ['a major version the hub does not know', 'https://schema.fitko.de/fit-connect/set-payload/2.0.0/set-payload.schema.json'],
    ['the metadata schema', 'https://schema.fitko.de/fit-connect/metadata/1.0.0/metadata.schema.json'],
    ['a foreign host', 'https://schema.example.org/fit-connect/set-payload/1.0.0/set-payload.schema.json'],
    ['not a string', 1],
  ])('refuses $schema naming %s (422)', async (_name, schema) => {
    await expect(verifyAnswer(await accept({ $schema: schema }), expectation)).rejects.toMatchObject({ status: 422, message: expect.stringContaining('$schema') });
  });
});
