import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, WeicheError } from '@weiche/core';
import { smallHubConfig, startTestHub, TEST_SERVICE as SERVICE, testDestination, type TestHub } from '../test-hub.js';

const CLIENT = { id: 'portal', secret: randomBytes(16).toString('hex') };
const ADMIN = randomBytes(16).toString('hex');
const DEST = { a: randomUUID(), b: randomUUID() };

let hub: TestHub;
let app: FastifyInstance;
/** The status of every answer as it is sent (also one the client has gone away from). */
const answered: Array<{ url: string; status: number }> = [];

beforeAll(async () => {
  hub = await startTestHub((dir) => ({
    ...smallHubConfig(dir, {
      destinations: [testDestination(dir, DEST.a), testDestination(dir, DEST.b)],
      senderClients: [{ clientId: CLIENT.id, clientSecret: CLIENT.secret, name: 'Portal', destinations: [DEST.a, DEST.b] }],
    }),
    admin: { tokens: [{ token: ADMIN, subject: 'olga', role: 'operator' }] },
  }));
  app = hub.app;
  // routes that fail the way a bug or an outage would, to see what the client is told
  app.get('/test/internal', async () => {
    throw new WeicheError(ErrorCode.INTERNAL, 'journal: invalid byte sequence for encoding "UTF8": 0x00');
  });
  app.get('/test/storage', async () => {
    throw new WeicheError(ErrorCode.STORAGE_UNAVAILABLE, 'journal unavailable: connect ECONNREFUSED 10.0.0.7:5432', { status: 503, retryable: true });
  });
  app.addHook('onSend', async (request, reply) => {
    answered.push({ url: request.url, status: reply.statusCode });
  });
  app.get('/test/crash', async () => {
    throw new TypeError("Cannot read properties of undefined (reading 'secretField')");
  });
});

afterAll(async () => {
  await hub?.close();
});

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

const BASIC_CHALLENGE = 'Basic realm="weiche", charset="UTF-8"';

async function token(
  fields: Record<string, string> = {},
  authorization?: string,
): Promise<{ statusCode: number; headers: Record<string, unknown>; json: () => Record<string, unknown> }> {
  return app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    payload: form({ grant_type: 'client_credentials', ...fields }),
  });
}

async function accessToken(scope?: string): Promise<string> {
  const response = await token({ client_id: CLIENT.id, client_secret: CLIENT.secret, ...(scope ? { scope } : {}) });
  expect(response.statusCode).toBe(200);
  return response.json().access_token as string;
}

function expectProblem(response: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number): Record<string, unknown> {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(response.body) as Record<string, unknown>;
  expect(problem.status).toBe(status);
  // nothing from inside the hub: no driver, SQL or stack text
  expect(response.body).not.toMatch(/invalid byte sequence|ECONNREFUSED|journal|TypeError|secretField|at .*\.js:/);
  return problem;
}

describe('strings that cannot be stored are refused at the edge (400 problem, never 500)', () => {
  it('NUL or an unpaired surrogate in a path parameter, a query value or a JSON body', async () => {
    const bearer = `Bearer ${await accessToken()}`;
    const admin = { authorization: `Bearer ${ADMIN}` };
    const cases = [
      app.inject({ method: 'GET', url: `/v1/cases/${randomUUID()}%00/events`, headers: { authorization: bearer } }),
      app.inject({ method: 'GET', url: '/v1/destinations/%00', headers: { authorization: bearer } }),
      app.inject({ method: 'GET', url: '/admin/api/v1/submissions?senderReference=ref%00x', headers: admin }),
      app.inject({ method: 'GET', url: '/admin/api/v1/submissions?id=%00', headers: admin }),
      app.inject({ method: 'GET', url: '/admin/api/v1/submissions/abc%00def', headers: admin }),
      app.inject({ method: 'GET', url: `/admin/api/v1/submissions?id=${'x'.repeat(5000)}`, headers: admin }),
      app.inject({
        method: 'POST',
        url: '/v1/submissions',
        headers: { authorization: bearer, 'content-type': 'application/json' },
        payload: `{"destinationId":"${DEST.a}","serviceType":{"identifier":"${SERVICE}","name":"Bau\\u0000antrag"},"announcedAttachments":[]}`,
      }),
      app.inject({
        method: 'POST',
        url: '/v1/submissions',
        headers: { authorization: bearer, 'content-type': 'application/json' },
        payload: `{"destinationId":"${DEST.a}","serviceType":{"identifier":"${SERVICE}","name":"Bau\\ud800antrag"},"announcedAttachments":[]}`,
      }),
    ];
    for (const response of await Promise.all(cases)) {
      const problem = expectProblem(response, 400);
      expect(String(problem.detail)).toMatch(/NUL|surrogate|longer than/);
    }
  });

  // JSON.parse takes any depth; the check after it recursed until the stack overflowed (a 500)
  it('a JSON body nested 10,000 levels deep (arrays or objects, under the 64 KB body limit) → 400, never 500', async () => {
    const bearer = `Bearer ${await accessToken()}`;
    const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const deepArray = `{"destinationId":"${DEST.a}","serviceType":{"identifier":"${SERVICE}","name":"x"},"announcedAttachments":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    for (const payload of [deepObject, deepArray]) {
      const response = await app.inject({ method: 'POST', url: '/v1/submissions', headers: { authorization: bearer, 'content-type': 'application/json' }, payload });
      expect(String(expectProblem(response, 400).detail)).toContain('nested deeper than');
    }
  });
});

describe('every error is application/problem+json', () => {
  it('bad percent-encoding in the path (%C0%AF, %FF%FE) → 400 problem', async () => {
    for (const url of ['/v1/submissions/%C0%AF', '/admin/api/v1/submissions/%FF%FE', '/%E0%A4%A']) {
      expectProblem(await app.inject({ method: 'GET', url }), 400);
    }
  });

  it('404, malformed JSON, wrong content type (415), body too large (413)', async () => {
    const bearer = `Bearer ${await accessToken()}`;
    expectProblem(await app.inject({ method: 'GET', url: '/nothing/here' }), 404);
    expectProblem(await app.inject({ method: 'POST', url: '/v1/submissions', headers: { authorization: bearer, 'content-type': 'application/json' }, payload: '{"destinationId":' }), 400);
    expectProblem(await app.inject({ method: 'POST', url: '/v1/submissions', headers: { authorization: bearer, 'content-type': 'text/plain' }, payload: 'hello' }), 415);
    expectProblem(await app.inject({ method: 'POST', url: '/v1/submissions', headers: { authorization: bearer, 'content-type': 'application/xml' }, payload: '<a/>' }), 415);
    // a content type another route of the plugin reads (attachments are application/jose) is still wrong here
    expectProblem(await app.inject({ method: 'PUT', url: `/v1/submissions/${randomUUID()}`, headers: { authorization: bearer, 'content-type': 'application/jose' }, payload: 'a.b.c.d.e' }), 415);
    expectProblem(await app.inject({ method: 'POST', url: '/v1/submissions', headers: { authorization: bearer }, payload: 'x' }), 415);
    expectProblem(
      await app.inject({ method: 'POST', url: '/v1/submissions', headers: { authorization: bearer, 'content-type': 'application/json' }, payload: `{"x":"${'a'.repeat(70 * 1024)}"}` }),
      413,
    );
  });

  // refused by Node's HTTP parser before any route runs: fastify's default answer was plain JSON
  it('headers over the limit (431) and a request line that is not HTTP (400), on a real socket', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(request));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
      });
    for (const [request, status] of [
      [`GET /v1/info HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
      ['NOT HTTP AT ALL\r\n\r\n', 400],
    ] as const) {
      const answer = await raw(request);
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(head.toLowerCase()).toContain('content-type: application/problem+json');
      expect(JSON.parse(body)).toMatchObject({ status, type: expect.stringMatching(/^urn:weiche:problem:/) });
    }
  });

  it('an upload the client breaks off mid-body is its own doing (400), not a storage outage (503, logged as an error)', async () => {
    if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const bearer = `Bearer ${await accessToken()}`;
    const attachmentId = randomUUID();
    const created = await app.inject({
      method: 'POST',
      url: '/v1/submissions',
      headers: { authorization: bearer },
      payload: { destinationId: DEST.a, serviceType: { identifier: SERVICE, name: 'x' }, announcedAttachments: [attachmentId] },
    });
    const url = `/v1/submissions/${(created.json() as { submissionId: string }).submissionId}/attachments/${attachmentId}`;
    // a Content-Length far beyond what is sent, then the connection is closed: Node fails the body with ECONNRESET "aborted"
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`PUT ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer}\r\nContent-Type: application/jose\r\nContent-Length: 100000\r\n\r\neyJhbGciOiJSU0EtT0FFUC0yNTYifQ.`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    await expect.poll(() => answered.find((a) => a.url === url)?.status, { timeout: 5000 }).toBe(400);
  });

  it('a 500 says only "internal error" with an id; a storage outage is a fixed 503', async () => {
    for (const url of ['/test/internal', '/test/crash']) {
      const problem = expectProblem(await app.inject({ method: 'GET', url }), 500);
      expect(problem.detail).toMatch(/^internal error \(id [0-9a-f-]{36}\)$/);
    }
    const unavailable = await app.inject({ method: 'GET', url: '/test/storage' });
    expectProblem(unavailable, 503);
    expect(unavailable.headers['retry-after']).toBe('5');
  });
});

describe('/token and bearer authentication', () => {
  it('what the body parser and the edge checks refuse at /token is an OAuth error too (RFC 6749 §5.2), not problem+json', async () => {
    for (const [contentType, payload] of <Array<[string, string]>>[
      ['text/plain', form({ grant_type: 'client_credentials' })],
      // RFC 6749 §4.4.2: form-encoded only — a JSON body with valid credentials got a token
      ['application/json', JSON.stringify({ grant_type: 'client_credentials', client_id: CLIENT.id, client_secret: CLIENT.secret })],
      ['application/x-www-form-urlencoded', form({ grant_type: 'client_credentials', client_id: 'a\u0000b', client_secret: 'x' })],
      ['application/x-www-form-urlencoded', form({ grant_type: 'client_credentials', client_id: 'a'.repeat(10_000) })],
    ]) {
      const response = await app.inject({ method: 'POST', url: '/token', headers: { 'content-type': contentType }, payload });
      expect(response.statusCode, response.body).toBe(400);
      expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
      expect(response.json()).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
    }
  });

  it('another grant type is 400 unsupported_grant_type (RFC 6749 §5.2); none at all is invalid_request', async () => {
    for (const grant of ['password', 'authorization_code']) {
      const response = await app.inject({ method: 'POST', url: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ grant_type: grant, client_id: CLIENT.id, client_secret: CLIENT.secret }) });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('unsupported_grant_type');
    }
    const none = await app.inject({ method: 'POST', url: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ client_id: CLIENT.id }) });
    expect(none.statusCode).toBe(400);
    expect(none.json().error).toBe('invalid_request');
  });

  it('credentials by Basic and in the body at once are invalid_request (RFC 6749 §2.3: one method per request)', async () => {
    const basic = `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`;
    for (const fields of [{ client_id: 'someone-else' }, { client_secret: CLIENT.secret }, { client_id: CLIENT.id, client_secret: CLIENT.secret }]) {
      const response = await token(fields, basic);
      expect(response.statusCode, JSON.stringify(fields)).toBe(400);
      expect(response.json().error).toBe('invalid_request');
    }
    // the client's own id beside Basic is no second method (§3.2.1 names client_id as a body parameter)
    expect((await token({ client_id: CLIENT.id }, basic)).statusCode).toBe(200);
  });

  it('a malformed Basic header is 401 invalid_client, never a 500', async () => {
    const headers = [
      `Basic ${Buffer.from('%ZZ:secret').toString('base64')}`,
      `Basic ${Buffer.from(`${CLIENT.id}:%E0%A4%A`).toString('base64')}`,
      'Basic !!!not-base64!!!',
      `Basic ${Buffer.from('no-colon-here').toString('base64')}`,
      `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x41]).toString('base64')}`,
      'Basic',
    ];
    for (const authorization of headers) {
      const response = await token({}, authorization);
      expect(response.statusCode, authorization).toBe(401);
      expect(response.json().error).toBe('invalid_client');
      expect(response.headers['www-authenticate'], authorization).toBe(BASIC_CHALLENGE);
    }
    // RFC 6749 §2.3.1: form-encoded, then base64; the scheme in any case
    const good = await token({}, `basic ${Buffer.from(`${encodeURIComponent(CLIENT.id)}:${encodeURIComponent(CLIENT.secret)}`).toString('base64')}`);
    expect(good.statusCode).toBe(200);
  });

  it('a failed client authentication is 401 invalid_client, challenging Basic exactly when Basic was used (RFC 6749 §5.2)', async () => {
    for (const authorization of [`Basic ${Buffer.from(`${CLIENT.id}:wrong`).toString('base64')}`, `Basic ${Buffer.from('nobody:secret').toString('base64')}`]) {
      const response = await token({}, authorization);
      expect(response.statusCode, authorization).toBe(401);
      expect(response.json().error).toBe('invalid_client');
      expect(response.headers['www-authenticate'], authorization).toBe(BASIC_CHALLENGE);
    }
    // credentials in the body: no Authorization header was tried, so no challenge to answer with
    const inBody = await token({ client_id: CLIENT.id, client_secret: 'wrong' });
    expect(inBody.statusCode).toBe(401);
    expect(inBody.json().error).toBe('invalid_client');
    expect(inBody.headers['www-authenticate']).toBeUndefined();
  });

  it('a narrower scope is honoured: the token sends only there; a scope not granted is invalid_scope', async () => {
    const narrow = await accessToken(`send:destination:${DEST.a}`);
    const create = (destinationId: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/submissions',
        headers: { authorization: `Bearer ${narrow}`, 'content-type': 'application/json' },
        payload: { destinationId, serviceType: { identifier: SERVICE, name: 'Bau' }, announcedAttachments: [] },
      });
    expect((await create(DEST.a)).statusCode).toBe(201);
    expectProblem(await create(DEST.b), 403);
    expectProblem(await app.inject({ method: 'GET', url: `/v1/destinations/${DEST.b}`, headers: { authorization: `Bearer ${narrow}` } }), 403);
    // nor does it read the event log of the client's case at the other destination (it did: only the client was compared)
    const other = await app.inject({ method: 'POST', url: '/v1/submissions', headers: { authorization: `Bearer ${await accessToken()}` }, payload: { destinationId: DEST.b, serviceType: { identifier: SERVICE, name: 'Bau' }, announcedAttachments: [] } });
    const otherCase = (other.json() as { caseId: string }).caseId;
    expectProblem(await app.inject({ method: 'GET', url: `/v1/cases/${otherCase}/events`, headers: { authorization: `Bearer ${narrow}` } }), 403);
    const ownCase = ((await create(DEST.a)).json() as { caseId: string }).caseId;
    expect((await app.inject({ method: 'GET', url: `/v1/cases/${ownCase}/events`, headers: { authorization: `Bearer ${narrow}` } })).statusCode).toBe(200);
    for (const scope of [`send:destination:${randomUUID()}`, 'admin', `send:destination:${DEST.a} other`]) {
      const refused = await token({ client_id: CLIENT.id, client_secret: CLIENT.secret, scope });
      expect(refused.statusCode, scope).toBe(400);
      expect(refused.json().error).toBe('invalid_scope');
    }
    const full = await token({ client_id: CLIENT.id, client_secret: CLIENT.secret });
    expect(String(full.json().scope).split(' ').sort()).toEqual([`send:destination:${DEST.a}`, `send:destination:${DEST.b}`].sort());
  });

  it('the Bearer scheme is case-insensitive on the sender API and the admin API', async () => {
    const sender = await accessToken();
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      expect((await app.inject({ method: 'GET', url: `/v1/destinations/${DEST.a}`, headers: { authorization: `${scheme} ${sender}` } })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/admin/api/v1/me', headers: { authorization: `${scheme} ${ADMIN}` } })).statusCode).toBe(200);
    }
  });
});
