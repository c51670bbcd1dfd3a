import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { smallHubConfig, startTestHub, testDestination, testService, type TestHub } from '../../test-hub.js';

// A path id that is not a UUID breaks the parameter's schema (`format: uuid`). The hub answered a malformed attachment
// id of PUT .../attachments/{attachmentId} with 422 ("not announced") and a malformed submission id there with 404, and
// neither is among that operation's responses in the OpenAPI; a client generated from it takes such answers for a
// server fault. Each malformed id is now answered with a status the operation documents: 400 where it names one, else
// 404 (as for an unknown id). Real HTTP against the hub on a loopback port, a sender and a relay subscriber.

const OPENAPI = '/work/shared/reference/fit-connect/submission-api-1.1.3.yaml';
const DEST = randomUUID();
const RELAY = randomUUID();
const SENDER = { id: 'portal', secret: randomBytes(16).toString('hex') };
const SUBSCRIBER = { id: 'fachverfahren', secret: randomBytes(16).toString('hex') };
const MALFORMED = ['not-a-uuid', 'ce75a6b8d72f4b94b09eaf6be35bc2ae', `${randomUUID()}0`];

type Operation = { responses: Record<string, unknown> };
let documented: (method: string, template: string) => string[];
let hub: TestHub;
let base: string;

async function relayKeys(dir: string): Promise<{ encryptionKeyFile: string; signatureKeysFile: string }> {
  const [enc, sig] = await Promise.all([generateKeyPair('RSA-OAEP-256', { modulusLength: 4096 }), generateKeyPair('PS512', { modulusLength: 4096 })]);
  const encryptionKeyFile = join(dir, 'relay.enc.jwk.json');
  const signatureKeysFile = join(dir, 'relay.sig.jwks.json');
  await writeFile(encryptionKeyFile, JSON.stringify({ ...(await exportJWK(enc.publicKey)), kid: randomUUID(), alg: 'RSA-OAEP-256', use: 'enc', key_ops: ['wrapKey'] }));
  await writeFile(signatureKeysFile, JSON.stringify({ keys: [{ ...(await exportJWK(sig.publicKey)), kid: randomUUID(), alg: 'PS512', use: 'sig', key_ops: ['verify'] }] }));
  return { encryptionKeyFile, signatureKeysFile };
}

async function bearer(client: { id: string; secret: string }): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret });
  const response = await fetch(`${base}/token`, { method: 'POST', body });
  expect(response.status).toBe(200);
  return `Bearer ${((await response.json()) as { access_token: string }).access_token}`;
}

beforeAll(async () => {
  const spec = parse(await readFile(OPENAPI, 'utf8')) as { paths: Record<string, Record<string, Operation>> };
  documented = (method, template) => Object.keys(spec.paths[template]?.[method.toLowerCase()]?.responses ?? {});
  const relay = await relayKeys(await mkdtemp(join(tmpdir(), 'weiche-path-ids-')));
  hub = await startTestHub((dir) => ({
    ...smallHubConfig(dir, {
      destinations: [testDestination(dir, DEST), { id: RELAY, tenant: 'stadt-a', relay, services: [testService()] }],
      senderClients: [{ clientId: SENDER.id, clientSecret: SENDER.secret, name: 'Portal', destinations: [DEST, RELAY] }],
    }),
    subscriberClients: [{ clientId: SUBSCRIBER.id, clientSecret: SUBSCRIBER.secret, name: 'Fachverfahren', destinations: [RELAY] }],
  }));
  base = await hub.app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await hub?.close();
});

describe('FIT-Connect API: a malformed id in the path gets a response the operation documents', () => {
  // [method, OpenAPI path, the path with BAD where the malformed id goes, whose token, the status]
  const cases: Array<[string, string, string, 'sender' | 'subscriber' | 'none', 400 | 404]> = [
    ['GET', '/v1/destinations/{destinationId}', '/v1/destinations/BAD', 'sender', 404],
    ['GET', '/v1/destinations/{destinationId}/keys/{keyId}', '/v1/destinations/BAD/keys/0123456789abcdef', 'none', 404],
    ['GET', '/v1/cases/{caseId}/events', '/v1/cases/BAD/events', 'sender', 404],
    ['PUT', '/v1/submissions/{submissionId}', '/v1/submissions/BAD', 'sender', 400],
    ['PUT', '/v1/submissions/{submissionId}/attachments/{attachmentId}', `/v1/submissions/BAD/attachments/${randomUUID()}`, 'sender', 400],
    ['PUT', '/v1/submissions/{submissionId}/attachments/{attachmentId}', `/v1/submissions/${randomUUID()}/attachments/BAD`, 'sender', 400],
    ['GET', '/v1/submissions/{submissionId}', '/v1/submissions/BAD', 'subscriber', 400],
    ['GET', '/v1/submissions/{submissionId}/attachments/{attachmentId}', `/v1/submissions/${randomUUID()}/attachments/BAD`, 'subscriber', 400],
    ['GET', '/v1/submissions/{submissionId}/attachments/{attachmentId}', `/v1/submissions/BAD/attachments/${randomUUID()}`, 'subscriber', 400],
    ['POST', '/v1/cases/{caseId}/events', '/v1/cases/BAD/events', 'subscriber', 400],
  ];

  it.each(cases)('%s %s: %s as %s → %s', async (method, template, path, who, status) => {
    expect(documented(method, template)).toContain(String(status));
    const authorization = who === 'none' ? undefined : await bearer(who === 'sender' ? SENDER : SUBSCRIBER);
    const contentType = method === 'PUT' && template.endsWith('{attachmentId}') ? 'application/jose' : method === 'POST' ? 'application/jose' : 'application/json';
    const body = method === 'GET' ? undefined : contentType === 'application/jose' ? 'a.b.c.d.e' : JSON.stringify({ encryptedMetadata: 'a.b.c.d.e' });
    for (const bad of MALFORMED) {
      const response = await fetch(`${base}${path.replace('BAD', bad)}`, {
        method,
        headers: { ...(authorization ? { authorization } : {}), ...(body ? { 'content-type': contentType } : {}) },
        ...(body ? { body } : {}),
      });
      expect(response.status, `${method} ${path.replace('BAD', bad)}: ${await response.clone().text()}`).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
    }
  });

  it('a malformed attachment id on the sender’s own open submission is 400 (it was 422 “not announced”)', async () => {
    const authorization = await bearer(SENDER);
    const created = await fetch(`${base}/v1/submissions`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ destinationId: DEST, serviceType: testService(), announcedAttachments: [randomUUID()] }),
    });
    expect(created.status).toBe(201);
    const { submissionId } = (await created.json()) as { submissionId: string };
    const response = await fetch(`${base}/v1/submissions/${submissionId}/attachments/not-a-uuid`, { method: 'PUT', headers: { authorization, 'content-type': 'application/jose' }, body: 'a.b.c.d.e' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status: 400, detail: 'the attachment id in the path is not a UUID' });
  });

  it('a well-formed id the hub does not know is still 404 where the operation documents one', async () => {
    const authorization = await bearer(SENDER);
    const response = await fetch(`${base}/v1/submissions/${randomUUID()}`, { method: 'PUT', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ encryptedMetadata: 'a.b.c.d.e' }) });
    expect(response.status).toBe(404);
  });
});
