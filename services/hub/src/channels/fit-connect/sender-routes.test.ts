import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CompactEncrypt, createLocalJWKSet, importJWK, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SET_PAYLOAD_SCHEMA } from '@weiche/fit-connect';
import { smallHubConfig, startTestHub, TEST_SERVICE as SERVICE, testDestination, testService, type TestHub } from '../../test-hub.js';

// Answers of the sender API in the shapes of the official OpenAPI (Submission API 1.1.3), for clients
// that validate what they get.
const OTHER_SERVICE = 'urn:de:fim:leika:leistung:99050012104000';
const CLIENT = { id: 'portal', secret: randomBytes(16).toString('hex') };
const DEST = randomUUID();
const DEST_2 = randomUUID();
const OTHER_CLIENT = { id: 'other-portal', secret: randomBytes(16).toString('hex') };

let hub: TestHub;
let app: FastifyInstance;

beforeAll(async () => {
  hub = await startTestHub((dir) =>
    smallHubConfig(dir, {
      destinations: [
        testDestination(dir, DEST, [{ ...testService(SERVICE), regions: ['DE05974028'] }, testService(OTHER_SERVICE, 'Gewerbeanzeige')]),
        testDestination(dir, DEST_2, [testService(SERVICE)]),
      ],
      senderClients: [
        { clientId: CLIENT.id, clientSecret: CLIENT.secret, name: 'Portal', destinations: [DEST, DEST_2] },
        { clientId: OTHER_CLIENT.id, clientSecret: OTHER_CLIENT.secret, name: 'Other portal', destinations: [DEST] },
      ],
    }),
  );
  app = hub.app;
});

afterAll(async () => {
  await hub?.close();
});

async function accessToken(client = CLIENT): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret }).toString() });
  return response.json().access_token as string;
}

describe('the sender API in the shapes of the OpenAPI', () => {
  it('GET /v1/info: version is the Version object {major, minor, patch}', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/info' });
    expect(response.statusCode).toBe(200);
    expect(response.json().version).toEqual({ major: 1, minor: 1, patch: 3 });
  });

  it('GET destination and GET key: Cache-Control no-cache, as the OpenAPI requires for both', async () => {
    const headers = { authorization: `Bearer ${await accessToken()}` };
    const destination = await app.inject({ method: 'GET', url: `/v1/destinations/${DEST}`, headers });
    expect(destination.statusCode).toBe(200);
    expect(destination.headers['cache-control']).toBe('no-cache');
    const key = await app.inject({ method: 'GET', url: `/v1/destinations/${DEST}/keys/${destination.json().encryptionKid}`, headers });
    expect(key.statusCode).toBe(200);
    expect(key.headers['cache-control']).toBe('no-cache');
  });

  /** POST /v1/submissions at DEST for the Baugenehmigung service, as the caller of `headers`. */
  const createAtDest = (headers: Record<string, string>, announcedAttachments: string[] = []) =>
    app.inject({
      method: 'POST',
      url: '/v1/submissions',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: { destinationId: DEST, serviceType: { identifier: SERVICE, name: 'Baugenehmigung' }, announcedAttachments },
    });

  it('GET key needs no token (the OpenAPI names no security for it); an unknown key is 404', async () => {
    const destination = await app.inject({ method: 'GET', url: `/v1/destinations/${DEST}`, headers: { authorization: `Bearer ${await accessToken()}` } });
    const key = await app.inject({ method: 'GET', url: `/v1/destinations/${DEST}/keys/${destination.json().encryptionKid}` });
    expect(key.statusCode).toBe(200);
    expect(key.json()).toMatchObject({ kty: 'RSA', alg: 'RSA-OAEP-256', kid: destination.json().encryptionKid });
    expect(key.json()).not.toHaveProperty('d');
    expect((await app.inject({ method: 'GET', url: `/v1/destinations/${DEST}/keys/no-such-key` })).statusCode).toBe(404);
  });

  it('GET destination: every service names at least one region (OpenAPI minItems 1); none configured → DE, all of Germany', async () => {
    const response = await app.inject({ method: 'GET', url: `/v1/destinations/${DEST}`, headers: { authorization: `Bearer ${await accessToken()}` } });
    const regions = Object.fromEntries((response.json().services as Array<{ identifier: string; regions: string[] }>).map((s) => [s.identifier, s.regions]));
    expect(regions).toEqual({ [SERVICE]: ['DE05974028'], [OTHER_SERVICE]: ['DE'] });
  });

  it('CreateSubmission for a service the destination does not offer: 422 naming the service asked for and those offered', async () => {
    const unknown = 'urn:de:fim:leika:leistung:99999999999999';
    const response = await app.inject({
      method: 'POST',
      url: '/v1/submissions',
      headers: { authorization: `Bearer ${await accessToken()}`, 'content-type': 'application/json' },
      payload: { destinationId: DEST_2, serviceType: { identifier: unknown, name: 'Unbekannt' }, announcedAttachments: [] },
    });
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().detail).toBe(`the destination does not offer the service ${unknown}; it offers ${SERVICE} (GET /v1/destinations/${DEST_2})`);
  });

  it('CreateSubmission with caseId: a reply in the sender\'s own case at the same destination; else 404, 403, 422', async () => {
    const create = async (client: typeof CLIENT, destinationId: string, caseId?: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/submissions',
        headers: { authorization: `Bearer ${await accessToken(client)}`, 'content-type': 'application/json' },
        payload: { destinationId, serviceType: { identifier: SERVICE, name: 'Baugenehmigung' }, announcedAttachments: [], ...(caseId ? { caseId } : {}) },
      });
    const first = await create(CLIENT, DEST);
    expect(first.statusCode).toBe(201);
    const { caseId } = first.json() as { caseId: string };
    const reply = await create(CLIENT, DEST, caseId.toUpperCase());
    expect(reply.statusCode).toBe(201);
    expect(reply.json()).toMatchObject({ caseId, destinationId: DEST });
    expect(reply.json().submissionId).not.toBe(first.json().submissionId);
    // both submissions' events in the one case's log, in order
    const log = await app.inject({ method: 'GET', url: `/v1/cases/${caseId}/events`, headers: { authorization: `Bearer ${await accessToken()}` } });
    const subjects = (log.json().eventLog as string[]).map((token) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string);
    expect(subjects).toEqual([`submission:${first.json().submissionId}`, `submission:${reply.json().submissionId}`]);

    expect((await create(CLIENT, DEST, randomUUID())).statusCode).toBe(404);
    expect((await create(OTHER_CLIENT, DEST, caseId)).statusCode).toBe(403);
    expect((await create(CLIENT, DEST_2, caseId)).statusCode).toBe(422);
  });

  it('GET events: offset is an int32 (OpenAPI); beyond it → 400, up to it → an empty page', async () => {
    const headers = { authorization: `Bearer ${await accessToken()}` };
    const created = await createAtDest(headers);
    const events = (offset: number) => app.inject({ method: 'GET', url: `/v1/cases/${created.json().caseId}/events?offset=${offset}`, headers });
    const last = await events(2 ** 31 - 1);
    expect(last.statusCode).toBe(200);
    expect(last.json()).toMatchObject({ count: 0, offset: 2 ** 31 - 1, eventLog: [] });
    const beyond = await events(2 ** 31);
    expect(beyond.statusCode).toBe(400);
    expect(beyond.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('GET events: offset and limit are plain decimal integers (OpenAPI integer); 0x10, 1e1, " 5", 5.0 → 400', async () => {
    const headers = { authorization: `Bearer ${await accessToken()}` };
    const created = await createAtDest(headers);
    const events = (query: string) => app.inject({ method: 'GET', url: `/v1/cases/${created.json().caseId}/events?${query}`, headers });
    for (const query of ['limit=0x10', 'limit=1e1', 'limit=%205', 'offset=5.0', 'offset=-0', 'limit=', 'offset=+1']) {
      const refused = await events(query);
      expect(refused.statusCode, query).toBe(400);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const plain = await events('offset=0&limit=16');
    expect(plain.statusCode).toBe(200);
    expect(plain.json()).toMatchObject({ offset: 0, count: 1 });
  });

  it('problems name the request as an absolute URI in `instance` (OpenAPI Error: format uri)', async () => {
    const headers = { authorization: `Bearer ${await accessToken()}` };
    const unknown = randomUUID();
    const response = await app.inject({ method: 'GET', url: `/v1/destinations/${unknown}?x=1`, headers });
    expect(response.statusCode).toBe(404);
    const instance = new URL(String(response.json().instance));
    expect(instance.pathname).toBe(`/v1/destinations/${unknown}`);
    expect(instance.search).toBe('');
  });

  // FIT-Connect "Ereignisse": the delivery service's submit-submission carries the authenticationTags (the fifth JWE
  // segment) of metadata, data and every attachment, for any destination, so the sender can check what was received
  it('submit-submission is signed by the hub and carries the authenticationTags of the uploaded JWEs', async () => {
    const headers = { authorization: `Bearer ${await accessToken()}` };
    const destination = await app.inject({ method: 'GET', url: `/v1/destinations/${DEST}`, headers });
    const kid = destination.json().encryptionKid as string;
    const { key_ops: _ops, ...jwk } = (await app.inject({ method: 'GET', url: `/v1/destinations/${DEST}/keys/${kid}` })).json() as JWK;
    const key = await importJWK(jwk, 'RSA-OAEP-256');
    const encrypt = (text: string) => new CompactEncrypt(Buffer.from(text)).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid }).encrypt(key);
    const tagOf = (jwe: string) => jwe.split('.')[4];
    const attachmentId = randomUUID();
    const created = await createAtDest(headers, [attachmentId]);
    const { submissionId, caseId } = created.json() as { submissionId: string; caseId: string };
    const attachment = await encrypt('%PDF-1.7 plan');
    const upload = await app.inject({ method: 'PUT', url: `/v1/submissions/${submissionId}/attachments/${attachmentId}`, headers: { ...headers, 'content-type': 'application/jose' }, payload: attachment });
    expect(upload.statusCode).toBe(204);
    // the hub only stores the parts at submit: their content does not matter for the event
    const [encryptedMetadata, encryptedData] = await Promise.all([encrypt('{}'), encrypt('{"vorhaben":"Carport"}')]);
    const submit = await app.inject({ method: 'PUT', url: `/v1/submissions/${submissionId}`, headers: { ...headers, 'content-type': 'application/json' }, payload: { encryptedMetadata, encryptedData } });
    expect(submit.statusCode).toBe(202);

    const log = (await app.inject({ method: 'GET', url: `/v1/cases/${caseId}/events`, headers })).json().eventLog as string[];
    const jwks = createLocalJWKSet((await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet);
    const { payload } = await jwtVerify(log[1] ?? '', jwks, { algorithms: ['PS512'], typ: 'secevent+jwt' });
    // each names its SET-payload schema (docs.fitko.de "SET Prüfung"), create-submission's payload-less event too
    expect(payload).toMatchObject({ $schema: SET_PAYLOAD_SCHEMA, sub: `submission:${submissionId}`, txn: `case:${caseId}` });
    expect((await jwtVerify(log[0] ?? '', jwks)).payload.$schema).toBe(SET_PAYLOAD_SCHEMA);
    expect(payload.events).toEqual({
      'https://schema.fitko.de/fit-connect/events/submit-submission': {
        authenticationTags: { metadata: tagOf(encryptedMetadata), data: tagOf(encryptedData), attachments: { [attachmentId]: tagOf(attachment) } },
      },
    });
  });

  it('401 names the Bearer scheme in WWW-Authenticate, with invalid_token when a token was presented (RFC 6750 §3, §3.1)', async () => {
    const without = await app.inject({ method: 'GET', url: `/v1/destinations/${DEST}` });
    expect(without.statusCode).toBe(401);
    expect(without.headers['www-authenticate']).toBe('Bearer');
    const bad = await app.inject({ method: 'GET', url: `/v1/destinations/${DEST}`, headers: { authorization: 'Bearer not.a.token' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  it('403 for a token without the destination\'s send scope says insufficient_scope and the scope (RFC 6750 §3.1)', async () => {
    const narrow = await app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT.id, client_secret: CLIENT.secret, scope: `send:destination:${DEST_2}` }).toString(),
    });
    const response = await app.inject({
      method: 'POST',
      url: '/v1/submissions',
      headers: { authorization: `Bearer ${narrow.json().access_token as string}`, 'content-type': 'application/json' },
      payload: { destinationId: DEST, serviceType: { identifier: SERVICE, name: 'Baugenehmigung' }, announcedAttachments: [] },
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toBe(`Bearer error="insufficient_scope", scope="send:destination:${DEST}"`);
  });
});
