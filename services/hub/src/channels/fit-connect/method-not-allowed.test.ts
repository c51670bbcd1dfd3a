import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallHubConfig, startTestHub, testDestination, type TestHub } from '../../test-hub.js';

// Real HTTP requests to the hub's FIT-Connect API (listening on a loopback port of its own): a method a known path
// does not take used to be answered 404 "no such resource", as if the path did not exist.
const DEST = randomUUID();
let hub: TestHub;
let base: string;

beforeAll(async () => {
  hub = await startTestHub((dir) => smallHubConfig(dir, { destinations: [testDestination(dir, DEST)], senderClients: [{ clientId: 'portal', clientSecret: randomBytes(16).toString('hex'), name: 'Portal', destinations: [DEST] }] }));
  base = await hub.app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await hub?.close();
});

describe('FIT-Connect API: a method the path does not take', () => {
  it.each([
    ['DELETE', `/v1/submissions/${randomUUID()}`, 'GET, HEAD, PUT'],
    ['PATCH', `/v1/submissions/${randomUUID()}/attachments/${randomUUID()}`, 'GET, HEAD, PUT'],
    ['DELETE', '/v1/submissions', 'GET, HEAD, POST'],
    ['GET', '/token', 'POST'],
  ])('%s %s answers 405 with Allow: %s, as a problem', async (method, path, allow) => {
    const response = await fetch(`${base}${path}`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 405, title: 'Method Not Allowed', type: expect.stringMatching(/method-not-allowed$/) });
  });

  it('an unknown path stays 404, a known method is served as before', async () => {
    expect((await fetch(`${base}/v1/nothing-here`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${base}/v1/info`)).status).toBe(200);
    expect((await fetch(`${base}/v1/info`, { method: 'HEAD' })).status).toBe(200);
  });
});
