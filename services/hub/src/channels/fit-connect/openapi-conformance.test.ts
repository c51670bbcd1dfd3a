import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { createPublicKey } from 'node:crypto';
import { CompactEncrypt, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateRsaKeyPair } from '@weiche/crypto';
import { acceptPayload, EVENT_URI, newEventsCallbackBody } from '@weiche/fit-connect';
import { resolveSchemaCacheDir } from '@weiche/xoev';
import { smallHubConfig, startTestHub, testDestination, testService, type TestHub } from '../../test-hub.js';

// The hub's FIT-Connect API as an independent client written from the official OpenAPI sees it: every response of
// every operation (a full relay round: sender and subscriber) validated with ajv against the response schema the
// OpenAPI gives for its status and media type, errors as application/problem+json `Error` documents.

// A path id that is not a UUID breaks the parameter's schema (`format: uuid`). The hub answered a malformed attachment
// id of PUT .../attachments/{attachmentId} with 422 ("not announced") and a malformed submission id there with 404, and
// neither is among that operation's responses in the OpenAPI; a client generated from it takes such answers for a
// server fault. Each malformed id is now answered with a status the operation documents: 400 where it names one, else
// 404 (as for an unknown id). Real HTTP against the hub on a loopback port, a sender and a relay subscriber.

// the official OpenAPI as `npm test` installs it (schemas/fit-connect/manifest.json, sha256-pinned)
const OPENAPI = join(resolveSchemaCacheDir(), 'fit-connect', 'submission-api-1.1.3.yaml');
const DEST = randomUUID();
const RELAY = randomUUID();
const SENDER = { id: 'portal', secret: randomBytes(16).toString('hex') };
const SUBSCRIBER = { id: 'fachverfahren', secret: randomBytes(16).toString('hex') };
const MALFORMED = ['not-a-uuid', 'ce75a6b8d72f4b94b09eaf6be35bc2ae', `${randomUUID()}0`];

type Response_ = { content?: Record<string, { schema?: { $ref?: string } }> };
type Operation = { responses: Record<string, Response_> };
let documented: (method: string, template: string) => string[];
let operation: (method: string, template: string) => Operation | undefined;
// ajv and ajv-formats are CommonJS with `exports.default` (as in packages/fit-connect/src/metadata.ts)
type AjvCtor = typeof AjvModule.default;
const Ajv = ((AjvModule as unknown as { default?: AjvCtor }).default ?? AjvModule) as AjvCtor;
type AddFormats = typeof addFormatsModule.default;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as AddFormats;
let ajv: InstanceType<AjvCtor>;
let relaySigning: { key: Parameters<SignJWT['sign']>[0]; kid: string };
let relayEncryption: JWK;
let hub: TestHub;
let base: string;

/** The relay destination's keys as its subscriber holds them: the public halves go to the hub's config. */
async function relayKeys(dir: string): Promise<{ encryptionKeyFile: string; signatureKeysFile: string }> {
  // the encryption key with its certificate (x5c): the OpenAPI's JWK requires one, and senders check its chain
  const [enc, sig] = await Promise.all([generateRsaKeyPair({ commonName: 'Fachverfahren (relay)' }), generateKeyPair('PS512', { modulusLength: 4096 })]);
  const encryptionKeyFile = join(dir, 'relay.enc.jwk.json');
  const signatureKeysFile = join(dir, 'relay.sig.jwks.json');
  const certificate = createPublicKey(enc.certificatePem);
  const x5c = [enc.certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '')];
  relayEncryption = { ...(await exportJWK(certificate)), kid: randomUUID(), alg: 'RSA-OAEP-256', use: 'enc', key_ops: ['wrapKey'], x5c };
  relaySigning = { key: sig.privateKey, kid: randomUUID() };
  await writeFile(encryptionKeyFile, JSON.stringify(relayEncryption));
  await writeFile(signatureKeysFile, JSON.stringify({ keys: [{ ...(await exportJWK(sig.publicKey)), kid: relaySigning.kid, alg: 'PS512', use: 'sig', key_ops: ['verify'] }] }));
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
  operation = (method, template) => spec.paths[template]?.[method.toLowerCase()];
  documented = (method, template) => Object.keys(operation(method, template)?.responses ?? {});
  // OpenAPI 3.0 schemas: `nullable`, `example` and `deprecated` are not JSON Schema keywords; refs resolve in the spec
  ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(spec, 'openapi');
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

/**
 * Checks a response as a client generated from the OpenAPI would: its status is one the operation names, its media
 * type one named for that status, its body valid against the schema named there (none when none is named).
 */
async function conforms(method: string, template: string, response: Response): Promise<unknown> {
  const op = operation(method, template);
  const documentedResponse = op?.responses[String(response.status)];
  const text = await response.text();
  expect(documentedResponse, `${method} ${template} answered ${response.status}, which the OpenAPI does not name: ${text}`).toBeDefined();
  const media = Object.entries(documentedResponse?.content ?? {});
  if (media.length === 0) {
    expect(text, `${method} ${template} ${response.status}: no body documented`).toBe('');
    return undefined;
  }
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim();
  const [, entry] = media.find(([type]) => type === contentType) ?? [];
  expect(entry, `${method} ${template} ${response.status}: content-type ${contentType}, documented ${media.map(([t]) => t).join(', ')}`).toBeDefined();
  const body: unknown = contentType?.endsWith('json') ? JSON.parse(text) : text;
  const ref = entry?.schema?.$ref;
  if (ref) {
    const validate = ajv.getSchema(`openapi${ref}`) ?? ajv.compile({ $ref: `openapi${ref}` });
    expect(validate(body) ? [] : validate.errors, `${method} ${template} ${response.status} against ${ref}`).toEqual([]);
  }
  return body;
}

describe('FIT-Connect API: every response as the OpenAPI describes it (sender and relay subscriber)', () => {
  it('a relay round: info, keys, destination, create, upload, submit, event log, pickup list, submission, attachment, accept', async () => {
    const sender = await bearer(SENDER);
    const subscriber = await bearer(SUBSCRIBER);
    const json = { 'content-type': 'application/json' };
    await conforms('GET', '/v1/info', await fetch(`${base}/v1/info`));
    await conforms('GET', '/.well-known/jwks.json', await fetch(`${base}/.well-known/jwks.json`));
    for (const id of [DEST, RELAY]) {
      const destination = await fetch(`${base}/v1/destinations/${id}`, { headers: { authorization: sender } });
      expect(destination.headers.get('cache-control')).toBe('no-cache');
      const { encryptionKid } = (await conforms('GET', '/v1/destinations/{destinationId}', destination)) as { encryptionKid: string };
      const key = await fetch(`${base}/v1/destinations/${id}/keys/${encryptionKid}`);
      expect(key.headers.get('cache-control')).toBe('no-cache');
      await conforms('GET', '/v1/destinations/{destinationId}/keys/{keyId}', key);
    }

    const attachmentId = randomUUID();
    const created = (await conforms(
      'POST',
      '/v1/submissions',
      await fetch(`${base}/v1/submissions`, { method: 'POST', headers: { authorization: sender, ...json }, body: JSON.stringify({ destinationId: RELAY, serviceType: testService(), announcedAttachments: [attachmentId] }) }),
    )) as { submissionId: string; caseId: string };
    // key_ops wrapKey would become a WebCrypto usage that CompactEncrypt cannot use (README, "key_ops")
    const { key_ops: _ops, ...publicKey } = relayEncryption;
    const key = await importJWK(publicKey, 'RSA-OAEP-256');
    const encrypt = (text: string): Promise<string> => new CompactEncrypt(Buffer.from(text)).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: String(relayEncryption.kid) }).encrypt(key);
    const [attachment, encryptedMetadata, encryptedData] = await Promise.all([encrypt('%PDF-1.7'), encrypt('{}'), encrypt('{"vorhaben":"Carport"}')]);
    const attachmentPath = `/v1/submissions/${created.submissionId}/attachments/${attachmentId}`;
    await conforms('PUT', '/v1/submissions/{submissionId}/attachments/{attachmentId}', await fetch(`${base}${attachmentPath}`, { method: 'PUT', headers: { authorization: sender, 'content-type': 'application/jose' }, body: attachment }));
    await conforms('PUT', '/v1/submissions/{submissionId}', await fetch(`${base}/v1/submissions/${created.submissionId}`, { method: 'PUT', headers: { authorization: sender, ...json }, body: JSON.stringify({ encryptedMetadata, encryptedData }) }));
    await conforms('GET', '/v1/cases/{caseId}/events', await fetch(`${base}/v1/cases/${created.caseId}/events`, { headers: { authorization: sender } }));

    await conforms('GET', '/v1/submissions', await fetch(`${base}/v1/submissions?destinationId=${RELAY}`, { headers: { authorization: subscriber } }));
    await conforms('GET', '/v1/submissions/{submissionId}', await fetch(`${base}/v1/submissions/${created.submissionId}`, { headers: { authorization: subscriber } }));
    const fetched = await conforms('GET', '/v1/submissions/{submissionId}/attachments/{attachmentId}', await fetch(`${base}${attachmentPath}`, { headers: { authorization: subscriber } }));
    expect(fetched).toBe(attachment);
    const tagOf = (jwe: string): string => jwe.split('.')[4] ?? '';
    const set = await new SignJWT({
      iss: RELAY,
      jti: randomUUID(),
      sub: `submission:${created.submissionId}`,
      txn: `case:${created.caseId}`,
      events: { [EVENT_URI('accept-submission')]: acceptPayload({ metadata: tagOf(encryptedMetadata), data: tagOf(encryptedData), attachments: { [attachmentId]: tagOf(attachment) } }) },
    })
      .setProtectedHeader({ alg: 'PS512', typ: 'secevent+jwt', kid: relaySigning.kid })
      .setIssuedAt()
      .sign(relaySigning.key);
    const events = `${base}/v1/cases/${created.caseId}/events`;
    await conforms('POST', '/v1/cases/{caseId}/events', await fetch(events, { method: 'POST', headers: { authorization: subscriber, 'content-type': 'application/jose' }, body: set }));
    // answered: the same SET again is refused, as a documented problem
    await conforms('POST', '/v1/cases/{caseId}/events', await fetch(events, { method: 'POST', headers: { authorization: subscriber, 'content-type': 'application/jose' }, body: set }));
    await conforms('GET', '/v1/cases/{caseId}/events', await fetch(events, { headers: { authorization: sender } }));
  }, 60_000);

  it('errors: documented statuses, each an application/problem+json Error', async () => {
    const sender = await bearer(SENDER);
    const subscriber = await bearer(SUBSCRIBER);
    const json = { 'content-type': 'application/json' };
    const create = (authorization: string | undefined, body: unknown) =>
      fetch(`${base}/v1/submissions`, { method: 'POST', headers: { ...(authorization ? { authorization } : {}), ...json }, body: JSON.stringify(body) });
    const valid = { destinationId: DEST, serviceType: testService(), announcedAttachments: [randomUUID()] };
    await conforms('POST', '/v1/submissions', await create(undefined, valid));
    await conforms('POST', '/v1/submissions', await create(sender, { ...valid, destinationId: randomUUID() }));
    await conforms('POST', '/v1/submissions', await create(sender, { ...valid, serviceType: { identifier: 'urn:de:fim:leika:leistung:1', name: 'x' } }));
    await conforms('POST', '/v1/submissions', await create(sender, { destinationId: DEST }));
    await conforms('POST', '/v1/submissions', await create(subscriber, valid));
    const { submissionId } = (await (await create(sender, valid)).json()) as { submissionId: string };
    const upload = (attachmentId: string, contentType: string) =>
      fetch(`${base}/v1/submissions/${submissionId}/attachments/${attachmentId}`, { method: 'PUT', headers: { authorization: sender, 'content-type': contentType }, body: 'a.b.c.d.e' });
    await conforms('PUT', '/v1/submissions/{submissionId}/attachments/{attachmentId}', await upload(randomUUID(), 'application/jose'));
    await conforms('PUT', '/v1/submissions/{submissionId}/attachments/{attachmentId}', await upload(valid.announcedAttachments[0] ?? '', 'text/plain'));
    const submit = (body: unknown, contentType = 'application/json') =>
      fetch(`${base}/v1/submissions/${submissionId}`, { method: 'PUT', headers: { authorization: sender, 'content-type': contentType }, body: JSON.stringify(body) });
    await conforms('PUT', '/v1/submissions/{submissionId}', await submit({ encryptedData: 'a.b.c.d.e' }));
    await conforms('PUT', '/v1/submissions/{submissionId}', await submit({ encryptedMetadata: 'a.b.c.d.e' }));
    await conforms('GET', '/v1/submissions/{submissionId}', await fetch(`${base}/v1/submissions/${randomUUID()}`, { headers: { authorization: subscriber } }));
    await conforms('GET', '/v1/submissions/{submissionId}', await fetch(`${base}/v1/submissions/${submissionId}`, { headers: { authorization: sender } }));
    await conforms('GET', '/v1/submissions', await fetch(`${base}/v1/submissions`));
    await conforms('GET', '/v1/cases/{caseId}/events', await fetch(`${base}/v1/cases/${randomUUID()}/events`, { headers: { authorization: sender } }));
    await conforms('GET', '/v1/destinations/{destinationId}', await fetch(`${base}/v1/destinations/${DEST}`));
    await conforms('GET', '/v1/destinations/{destinationId}/keys/{keyId}', await fetch(`${base}/v1/destinations/${DEST}/keys/no-such-key`));
    await conforms('POST', '/v1/cases/{caseId}/events', await fetch(`${base}/v1/cases/${randomUUID()}/events`, { method: 'POST', headers: { authorization: subscriber, 'content-type': 'application/jose' }, body: 'a.b.c' }));
  }, 60_000);
});

describe('FIT-Connect callbacks as the OpenAPI describes them', () => {
  it('the NewEvents body is a CallbackNewEvents: `submissions` with the three ids, without the deprecated `submissionIds`', () => {
    const body = JSON.parse(newEventsCallbackBody({ destinationId: DEST, submissionId: randomUUID(), caseId: randomUUID() })) as Record<string, unknown>;
    const validate = ajv.compile({ $ref: 'openapi#/components/schemas/CallbackNewEvents' });
    expect(validate(body) ? [] : validate.errors).toEqual([]);
    expect(body).not.toHaveProperty('submissionIds');
    expect(body.submissions).toEqual([{ destinationId: DEST, submissionId: expect.any(String), caseId: expect.any(String) }]);
  });
});
