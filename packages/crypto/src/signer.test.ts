import { compactVerify, decodeProtectedHeader, importJWK, SignJWT } from 'jose';
import { createPrivateKey } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { generateRsaKeyPair, keyIdOf } from './keys.js';
import { AccessTokenRejectedError, JwtSigner } from './signer.js';

let signer: JwtSigner;
let other: JwtSigner;
let privateKeyPem: string;
let certificatePem: string;
const ISS = 'https://hub.example.org';
const AUD = 'https://hub.example.org/v1';

beforeAll(async () => {
  const pair = await generateRsaKeyPair({ commonName: 'signer-test' });
  privateKeyPem = pair.privateKeyPem;
  certificatePem = pair.certificatePem;
  signer = new JwtSigner({ ...pair, kid: keyIdOf(pair.certificatePem) });
  const pair2 = await generateRsaKeyPair({ commonName: 'other', bits: 2048 });
  other = new JwtSigner({ ...pair2, kid: 'other' });
});

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AccessTokenRejectedError);
    const err = e as AccessTokenRejectedError;
    expect(err.status).toBe(401);
    expect(err.code).toBe('WEICHE_ERR_UNAUTHORIZED');
    expect(err.message).toContain(err.reason);
    return err.reason;
  }
  throw new Error('expected a rejection');
}

describe('JwtSigner.signSet', () => {
  it('signs a SET that verifies against the published signing JWK', async () => {
    const claims = { iss: ISS, sub: 'submission:1', txn: 'case:2', events: { 'https://schema.fitko.de/fit-connect/events/accept-submission': {} } };
    const token = await signer.signSet(claims);
    expect(decodeProtectedHeader(token)).toEqual({ typ: 'secevent+jwt', alg: 'PS512', kid: signer.kid });
    const jwk = signer.publicJwk();
    expect(jwk).toMatchObject({ alg: 'PS512', use: 'sig', key_ops: ['verify'], kid: signer.kid });
    const { payload } = await compactVerify(token, await importJWK(jwk, 'PS512'));
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual(claims);
    await expect(compactVerify(token, await importJWK(other.publicJwk(), 'PS512'))).rejects.toThrow();
  });
});

describe('JwtSigner access tokens', () => {
  it('round-trips client id and scopes', async () => {
    const token = await signer.signAccessToken({
      issuer: ISS,
      audience: AUD,
      clientId: 'portal-a',
      scopes: ['send:region:DE09', 'subscribe:destination:x'],
      ttlSeconds: 60,
    });
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', alg: 'PS512', kid: signer.kid });
    expect(await signer.verifyAccessToken(token, { issuer: ISS, audience: AUD })).toEqual({
      clientId: 'portal-a',
      scopes: ['send:region:DE09', 'subscribe:destination:x'],
    });
  });

  it('rejects an expired token with reason "expired"', async () => {
    const token = await signer.signAccessToken({ issuer: ISS, audience: AUD, clientId: 'c', scopes: [], ttlSeconds: -10 });
    expect(await reasonOf(signer.verifyAccessToken(token, { issuer: ISS, audience: AUD }))).toBe('expired');
  });

  it('tolerates 5 s of clock skew', async () => {
    const token = await signer.signAccessToken({ issuer: ISS, audience: AUD, clientId: 'c', scopes: [], ttlSeconds: -2 });
    await expect(signer.verifyAccessToken(token, { issuer: ISS, audience: AUD })).resolves.toMatchObject({ clientId: 'c' });
  });

  it('remembers a verified token only until it expires, and only for its issuer and audience', async () => {
    const token = await signer.signAccessToken({ issuer: ISS, audience: AUD, clientId: 'c', scopes: ['s'], ttlSeconds: -3 });
    // within the 5 s tolerance: verifies, and is remembered until exp + 5 s (about 2 s from now)
    expect(await signer.verifyAccessToken(token, { issuer: ISS, audience: AUD })).toEqual({ clientId: 'c', scopes: ['s'] });
    expect(await signer.verifyAccessToken(token, { issuer: ISS, audience: AUD })).toEqual({ clientId: 'c', scopes: ['s'] });
    expect(await reasonOf(signer.verifyAccessToken(token, { issuer: ISS, audience: 'elsewhere' }))).toBe('invalid audience');
    vi.useFakeTimers({ now: Date.now() + 3000, toFake: ['Date'] });
    try {
      expect(await reasonOf(signer.verifyAccessToken(token, { issuer: ISS, audience: AUD }))).toBe('expired');
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects a token signed by another key, for another audience or issuer', async () => {
    const foreign = await other.signAccessToken({ issuer: ISS, audience: AUD, clientId: 'c', scopes: [], ttlSeconds: 60 });
    expect(await reasonOf(signer.verifyAccessToken(foreign, { issuer: ISS, audience: AUD }))).toBe('invalid signature');
    const token = await signer.signAccessToken({ issuer: ISS, audience: AUD, clientId: 'c', scopes: [], ttlSeconds: 60 });
    expect(await reasonOf(signer.verifyAccessToken(token, { issuer: ISS, audience: 'elsewhere' }))).toBe('invalid audience');
    expect(await reasonOf(signer.verifyAccessToken(token, { issuer: 'evil', audience: AUD }))).toBe('invalid issuer');
    expect(await reasonOf(signer.verifyAccessToken('garbage', { issuer: ISS, audience: AUD }))).toBe('malformed');
  });

  it('does not accept a SET (or any other typ) as an access token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const set = await new SignJWT({ client_id: 'c' })
      .setProtectedHeader({ typ: 'secevent+jwt', alg: 'PS512', kid: signer.kid })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setSubject('c')
      .setExpirationTime(now + 60)
      .sign(createPrivateKey(privateKeyPem));
    expect(await reasonOf(signer.verifyAccessToken(set, { issuer: ISS, audience: AUD }))).toBe('invalid type');
  });
});

describe('signing key rotation', () => {
  it('publishes the other certificates and accepts access tokens signed by them; SETs of the old key verify against the JWKS', async () => {
    const next = await generateRsaKeyPair({ commonName: 'signer-next', bits: 2048 });
    const nextKid = keyIdOf(next.certificatePem);
    // the replica still on the old key publishes the next one; the replica on the next key publishes the old one
    const onOld = new JwtSigner({ privateKeyPem, certificatePem, kid: signer.kid, published: async () => [{ kid: nextKid, certificatePem: next.certificatePem }] });
    const onNext = new JwtSigner({ ...next, kid: nextKid, published: async () => [{ kid: signer.kid, certificatePem }] });
    expect((await onOld.publicJwks()).map((k) => k.kid)).toEqual([signer.kid, nextKid]);
    expect((await onNext.publicJwks()).map((k) => k.kid)).toEqual([nextKid, signer.kid]);

    const token = await onNext.signAccessToken({ issuer: ISS, audience: AUD, clientId: 'portal', scopes: [], ttlSeconds: 60 });
    expect((await onOld.verifyAccessToken(token, { issuer: ISS, audience: AUD })).clientId).toBe('portal');
    const before = await onOld.signSet({ iss: ISS, jti: 'j1' });
    const jwk = (await onNext.publicJwks()).find((k) => k.kid === decodeProtectedHeader(before).kid);
    expect(jwk).toBeDefined();
    await compactVerify(before, await importJWK({ ...jwk, alg: 'PS512' } as Parameters<typeof importJWK>[0], 'PS512'));
    // a key nobody published is still refused
    const stranger = await other.signAccessToken({ issuer: ISS, audience: AUD, clientId: 'portal', scopes: [], ttlSeconds: 60 });
    expect(await reasonOf(onOld.verifyAccessToken(stranger, { issuer: ISS, audience: AUD }))).toBe('invalid signature');
  });
});
