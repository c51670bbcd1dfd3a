import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallHubConfig, startTestHub, TEST_SERVICE as SERVICE, testDestination, type TestHub } from '../test-hub.js';

// Issue 13 §6: the HTTP routes (sender API, /token, admin API) through fastify's inject with arbitrary
// methods, paths, percent-encodings, headers and bodies → a 2xx/3xx or a 4xx problem (OAuth errors on
// /token), never a 5xx, never an exception escaping inject, each in bounded time.
// Seeded and bounded for `npm test`; FC_SEED / FC_RUNS run it longer (docs/property-tests.md).
const seed = Number(process.env.FC_SEED ?? 13013);
const numRuns = Number(process.env.FC_RUNS ?? 300);
const CLIENT = { id: 'portal', secret: randomBytes(16).toString('hex') };
const ADMIN = randomBytes(16).toString('hex');
const DEST = randomUUID();

let hub: TestHub;
let senderToken = '';
let known = { submissionId: randomUUID(), caseId: randomUUID() };

beforeAll(async () => {
  hub = await startTestHub((dir) => ({
    ...smallHubConfig(dir, {
      destinations: [testDestination(dir, DEST)],
      senderClients: [{ clientId: CLIENT.id, clientSecret: CLIENT.secret, name: 'Portal', destinations: [DEST] }],
    }),
    admin: { tokens: [{ token: ADMIN, subject: 'olga', role: 'operator' }] },
  }));
  const token = await hub.app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT.id, client_secret: CLIENT.secret }).toString(),
  });
  senderToken = (token.json() as { access_token: string }).access_token;
  const created = await hub.app.inject({
    method: 'POST',
    url: '/v1/submissions',
    headers: { authorization: `Bearer ${senderToken}`, 'content-type': 'application/json' },
    payload: { destinationId: DEST, serviceType: { identifier: SERVICE, name: 'Bau' }, announcedAttachments: [randomUUID()] },
  });
  known = created.json() as typeof known;
});

afterAll(async () => {
  await hub?.close();
});

/** Path segments: real ids, random text, and encodings that are wrong in every way we know. */
const segment = fc.oneof(
  fc.constantFrom(DEST, 'dms', 'stadt-a', 'r'),
  // read when generated: beforeAll has created it by then
  fc.constantFrom('submissionId', 'caseId').map((k: keyof typeof known) => known[k]),
  fc.uuid(),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.constantFrom('%00', 'ref%00x', '%ED%A0%80'),
  fc.constantFrom('%00', '%C0%AF', '%FF%FE', '%E0%A4%A', '%', '%%', '%ED%A0%80', '..', '.', '', '%2F', 'a'.repeat(3000), '%F0%9F%98%80'),
);

const TEMPLATES = [
  '/token',
  '/v1/info',
  '/.well-known/jwks.json',
  '/v1/destinations/{}',
  '/v1/destinations/{}/keys/{}',
  '/v1/submissions',
  '/v1/submissions/{}',
  '/v1/submissions/{}/attachments/{}',
  '/v1/cases/{}/events',
  '/admin/api/v1/submissions',
  '/admin/api/v1/submissions/{}',
  '/admin/api/v1/submissions/{}/replay',
  '/admin/api/v1/submissions/{}/discard',
  '/admin/api/v1/submissions/{}/routes/{}/redeliver',
  '/admin/api/v1/submissions.csv',
  '/admin/api/v1/dead-letters',
  '/admin/api/v1/dead-letters/bulk',
  '/admin/api/v1/adapters/{}',
  '/admin/api/v1/adapters/{}/pause',
  '/admin/api/v1/tenants/{}',
  '/admin/api/v1/destinations/{}',
  '/admin/api/v1/audit/records',
  '/admin/api/v1/stats',
  '/{}',
];

const query = fc.array(fc.tuple(fc.constantFrom('limit', 'offset', 'id', 'caseId', 'senderReference', 'tenant', 'service', 'state', 'from', 'to', 'dialect', 'x%00'), segment), { maxLength: 4 });

const url = fc.tuple(fc.constantFrom(...TEMPLATES), fc.array(segment, { minLength: 3, maxLength: 3 }), query).map(([template, ids, q]) => {
  let i = 0;
  const path = template.replace(/\{\}/g, () => ids[i++] ?? '');
  return q.length === 0 ? path : `${path}?${q.map(([k, v]) => `${k}=${v}`).join('&')}`;
});

/** Mostly the credentials the path family takes, so requests get past authentication to the handlers. */
function authorizationFor(path: string): fc.Arbitrary<string | undefined> {
  const right = path.startsWith('/admin') ? `Bearer ${ADMIN}` : `Bearer ${senderToken}`;
  return fc.oneof({ arbitrary: fc.constant(right), weight: 3 }, { arbitrary: anyAuthorization, weight: 1 });
}

const anyAuthorization = fc.oneof(
  fc.constant(undefined),
  fc.constant(null).map(() => `Bearer ${senderToken}`),
  fc.constant(null).map(() => `bearer ${senderToken}`),
  fc.constant(`Bearer ${ADMIN}`),
  fc.constant(`BEARER ${ADMIN}`),
  fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
  fc.string({ maxLength: 60 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
  fc.string({ maxLength: 60 }).map((s) => `Basic ${s}`),
  fc.constant(`Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`),
  fc.string({ maxLength: 40 }),
);

const contentType = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/jose', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/problem+json', '*/*', ''),
  fc.string({ maxLength: 40 }),
);

const validCreate = JSON.stringify({ destinationId: DEST, serviceType: { identifier: SERVICE, name: 'Bau' }, announcedAttachments: [] });
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.constant(validCreate),
  fc.tuple(fc.nat({ max: validCreate.length }), fc.string({ unit: 'binary', maxLength: 10 })).map(([at, s]) => validCreate.slice(0, at) + s + validCreate.slice(at)),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom('grant_type=client_credentials&client_id=portal&scope=%ZZ', 'grant_type=client_credentials&scope=a&scope=b', '{"encryptedMetadata":"a.b.c.d.e"}', 'a.b.c.d.e', '{"a":"\\u0000"}', '{"a":"\\ud800"}', '{'.repeat(5000)),
);

describe('property: every HTTP route answers any request with a success or a 4xx problem, never a 5xx', () => {
  it('sender API, /token and admin API via inject', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'), url.chain((path) => fc.tuple(fc.constant(path), authorizationFor(path))), contentType, body, async (method, [path, auth], type, payload) => {
        const started = performance.now();
        const headers: Record<string, string> = {};
        if (auth !== undefined) headers.authorization = auth;
        if (type !== undefined) headers['content-type'] = type;
        const response = await hub.app.inject({ method, url: path, headers, ...(payload !== undefined && method !== 'GET' && method !== 'HEAD' ? { payload } : {}) });
        expect(response.statusCode, `${method} ${path} → ${response.body.slice(0, 300)}`).toBeLessThan(500);
        if (response.statusCode >= 400 && method !== 'HEAD') {
          const type = String(response.headers['content-type']);
          // RFC 6749 §5.2: the token endpoint answers errors as OAuth JSON ({"error": …}); everything else as a problem
          if (path.startsWith('/token') && response.statusCode !== 404 && response.statusCode !== 415 && response.statusCode !== 413) expect(type).toMatch(/^application\/(json|problem\+json)/);
          else expect(type, `${method} ${path} → ${response.statusCode}`).toMatch(/^application\/problem\+json/);
        }
        expect(performance.now() - started).toBeLessThan(5000);
      }),
      { seed, numRuns },
    );
  }, 120_000);
});
