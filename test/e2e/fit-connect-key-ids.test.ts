import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateRsaKeyPair, signCompactJws } from '@weiche/crypto';
import { resolveSchemaCacheDir } from '@weiche/xoev';
import { tempDir } from '../support/env.js';
import { verifyEventLog } from '../support/event-log-verifier.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { answered, waitForEvents } from '../support/wait-for-events.js';

// FIT-Connect's OpenAPI limits the keyId of GET /v1/destinations/{destinationId}/keys/{keyId} to 8..36 characters; the
// hub's kids were full RFC 7638 thumbprints (43), so a sender generated or validated from the spec could not fetch the
// destination's encryption key nor the key of a subscriber's SET. Kids are now the thumbprint's first 32 characters;
// what a hub before that named by the full thumbprint (key files, cached encryptionKids, signed SETs) still works.

// the official OpenAPI as `npm test` installs it (schemas/fit-connect/manifest.json, sha256-pinned)
const OPENAPI = join(resolveSchemaCacheDir(), 'fit-connect', 'submission-api-1.1.3.yaml');
const KEY_PATH = '/v1/destinations/{destinationId}/keys/{keyId}';

type Parameter = { name: string; schema?: { minLength?: number; maxLength?: number } };

/** The keyId bounds as the official OpenAPI states them (a generated client validates against these). */
async function keyIdBounds(): Promise<{ min: number; max: number }> {
  const spec = parse(await readFile(OPENAPI, 'utf8')) as { paths: Record<string, { parameters?: Parameter[] }> };
  const schema = spec.paths[KEY_PATH]?.parameters?.find((p) => p.name === 'keyId')?.schema;
  if (schema?.minLength === undefined || schema.maxLength === undefined) throw new Error(`${OPENAPI}: no keyId bounds at ${KEY_PATH}`);
  return { min: schema.minLength, max: schema.maxLength };
}

describe('FIT-Connect key ids within the OpenAPI keyId bounds', () => {
  let cfg: TestHubConfig;
  let hub: InProcessHub;
  let bounds: { min: number; max: number };
  /** The hub's signing key as a hub before 1.x left it: files named by the full thumbprint, `current` naming it. */
  let former: { kid: string; privateKeyPem: string };

  beforeAll(async () => {
    bounds = await keyIdBounds();
    cfg = await writeTestConfig(await tempDir('fit-connect-key-ids'));
    const dir = join(cfg.raw.dataDir as string, 'keys', 'signing');
    const pair = await generateRsaKeyPair({ commonName: 'signing key of a hub before 1.x', bits: 2048 });
    former = { kid: await calculateJwkThumbprint(createPublicKey(pair.certificatePem).export({ format: 'jwk' }) as JWK, 'sha256'), privateKeyPem: pair.privateKeyPem };
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${former.kid}.cert.pem`), pair.certificatePem);
    await writeFile(join(dir, `${former.kid}.key.pem`), pair.privateKeyPem, { mode: 0o600 });
    await writeFile(join(dir, 'current'), `${former.kid}\n`);
    hub = await startInProcessHub(cfg);
  });

  afterAll(async () => {
    await hub?.stop();
  });

  /** GET keys/{keyId} as a client validated against the OpenAPI: a keyId out of bounds is refused before any request. */
  async function strictKey(keyId: string): Promise<JWK> {
    expect(keyId.length, `keyId ${keyId}`).toBeGreaterThanOrEqual(bounds.min);
    expect(keyId.length, `keyId ${keyId}`).toBeLessThanOrEqual(bounds.max);
    const response = await fetch(`${hub.baseUrl}/v1/destinations/${cfg.destinationId}/keys/${encodeURIComponent(keyId)}`);
    expect(response.status).toBe(200);
    const jwk = (await response.json()) as JWK;
    expect(jwk.kid).toBe(keyId);
    return jwk;
  }

  it('encryptionKid and every SET kid are 8..36 characters, and each key is fetched by it', async () => {
    expect(bounds).toEqual({ min: 8, max: 36 });
    const info = (await (await hub.sender.request('GET', `/v1/destinations/${cfg.destinationId}`)).json()) as { encryptionKid: string };
    const encryptionKey = await strictKey(info.encryptionKid);
    expect(encryptionKey).toMatchObject({ alg: 'RSA-OAEP-256', key_ops: ['wrapKey'] });

    const sent = await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"antrag":1}') });
    const log = await waitForEvents(hub.sender, sent.caseId, answered);
    expect(log).toHaveLength(3);
    for (const set of log) {
      const { kid } = decodeProtectedHeader(set);
      const key = await strictKey(String(kid));
      expect(key).toMatchObject({ alg: 'PS512', key_ops: ['verify'] });
    }
    // and each SET verifies as its issuer's (JWKS for the delivery service, keys/{kid} for the subscriber)
    expect((await verifyEventLog(hub.baseUrl, cfg.destinationId, log)).map((e) => e.event)).toEqual(['create-submission', 'submit-submission', 'accept-submission']);
  }, 60_000);

  it('a JWE addressed to the encryption key’s former 43-character kid (a sender’s cache) still opens', async () => {
    const { jwk } = await hub.sender.destinationKey(cfg.destinationId);
    const formerKid = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n ?? '', e: jwk.e ?? '' }, 'sha256');
    expect(formerKid).toHaveLength(43);
    expect(formerKid.startsWith(String(jwk.kid))).toBe(true);
    const sent = await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"antrag":2}'), tamper: { header: { kid: formerKid } } });
    const log = await waitForEvents(hub.sender, sent.caseId, answered);
    expect((await verifyEventLog(hub.baseUrl, cfg.destinationId, log)).map((e) => e.event)).toEqual(['create-submission', 'submit-submission', 'accept-submission']);
    // the keys endpoint answers the former kid as well, under that name (for clients that do not validate the path)
    const response = await fetch(`${hub.baseUrl}/v1/destinations/${cfg.destinationId}/keys/${formerKid}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as JWK).kid).toBe(formerKid);
  }, 60_000);

  it('SETs signed under the signing key’s former 43-character kid still verify (JWKS and keys/{kid})', async () => {
    expect(former.kid).toHaveLength(43);
    const now = Math.floor(Date.now() / 1000);
    const key = createPrivateKey(former.privateKeyPem);
    const set = (event: string, iss: string): Promise<string> =>
      signCompactJws(
        { typ: 'secevent+jwt', kid: former.kid },
        { iss, iat: now, jti: randomUUID(), sub: `submission:${randomUUID()}`, txn: `case:${randomUUID()}`, events: { [`https://schema.fitko.de/fit-connect/events/${event}`]: {} } },
        key,
        'PS512',
      );
    const stored = await Promise.all([set('submit-submission', hub.baseUrl), set('accept-submission', cfg.destinationId)]);
    expect((await verifyEventLog(hub.baseUrl, cfg.destinationId, stored)).map((e) => e.event)).toEqual(['submit-submission', 'accept-submission']);
  }, 60_000);
});
