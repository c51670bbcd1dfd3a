import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_URI } from '@weiche/fit-connect';
import { verifySubmitEvent, zustelldienstKeys } from './event-log.js';

// The Zustelldienst's signing keys are fetched from its JWKS and cached. A key it rotates in must not make the hub
// reject a valid submission because the cached set is still cooling down from the last fetch.
describe('verifySubmitEvent and the Zustelldienst rotating its signing key', () => {
  let server: Server;
  let published: JWK[] = [];
  const ref = { submissionId: randomUUID(), caseId: randomUUID() };
  const tags = { metadata: 'bWV0YQ', attachments: {} };

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function signingKey(kid: string): Promise<{ jwk: JWK; sign: () => Promise<string> }> {
    const { publicKey, privateKey } = await generateKeyPair('PS512', { modulusLength: 2048 });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'PS512', use: 'sig' };
    const sign = () =>
      new SignJWT({ sub: `submission:${ref.submissionId}`, txn: `case:${ref.caseId}`, jti: randomUUID(), events: { [EVENT_URI('submit-submission')]: { authenticationTags: tags } } })
        .setProtectedHeader({ alg: 'PS512', typ: 'secevent+jwt', kid })
        .setIssuer('https://zustelldienst.example')
        .setIssuedAt()
        .sign(privateKey);
    return { jwk, sign };
  }

  it('verifies a SET signed with a key published after the last fetch, within the cooldown; refuses an unpublished one', async () => {
    const old = await signingKey('old');
    const rotated = await signingKey('rotated');
    const never = await signingKey('never');
    const keys = zustelldienstKeys(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`);

    published = [old.jwk];
    expect(await verifySubmitEvent(keys, [await old.sign()], ref, tags)).toMatchObject({ ok: true });
    // the Zustelldienst rotates: its next SETs carry the new kid, seconds after the hub fetched the set
    published = [old.jwk, rotated.jwk];
    expect(await verifySubmitEvent(keys, [await rotated.sign()], ref, tags)).toMatchObject({ ok: true });
    // a kid the freshly fetched set does not hold either is a verdict on the log
    expect(await verifySubmitEvent(keys, [await never.sign()], ref, tags)).toMatchObject({ ok: false });
  });
});

describe('verifySubmitEvent and ids in other capitals', () => {
  let server: Server;
  let jwk: JWK;
  let sign: (claims: Record<string, unknown>) => Promise<string>;
  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('PS512', { modulusLength: 2048 });
    jwk = { ...(await exportJWK(publicKey)), kid: 'zd', alg: 'PS512', use: 'sig' };
    sign = (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'PS512', typ: 'secevent+jwt', kid: 'zd' }).setIssuedAt().sign(privateKey);
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('finds and verifies the submit-submission SET whose sub and txn name the ids in upper case (the same UUIDs)', async () => {
    const ref = { submissionId: randomUUID(), caseId: randomUUID() };
    const tags = { metadata: 'bWV0YQ', attachments: {} };
    const token = await sign({ sub: `submission:${ref.submissionId.toUpperCase()}`, txn: `case:${ref.caseId.toUpperCase()}`, jti: randomUUID(), events: { [EVENT_URI('submit-submission')]: { authenticationTags: tags } } });
    const keys = zustelldienstKeys(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`);
    expect(await verifySubmitEvent(keys, [token], ref, tags)).toMatchObject({ ok: true });
  });
});
