import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackReceiver, makeTestCa, type TestCa } from '../support/callback-receiver.js';
import { DATABASE_URL, dropSchema, tempDir, waitFor } from '../support/env.js';
import { TestSender } from '../support/fit-connect-sender.js';
import { HubProcess, startHubOnFreePort } from '../support/hub-process.js';
import { SERVICE, setServerPort, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

interface CallbackDbRow {
  event_name: string;
  state: string;
  last_error: string | null;
}

const INTRANET_PORTAL = { clientId: 'intranet-portal', clientSecret: randomBytes(16).toString('hex') };

// A portal names the callback URL; the hub must not become its way into the networks behind the hub's firewall
// (SSRF). Internal addresses are refused — literal ones at create, names on the addresses they resolve to when a
// callback connects — unless the operator allowed them for that sender client (senderClients[].callbackTargets).
// The receiver below is real, up, and trusted (NODE_EXTRA_CA_CERTS): only the target check keeps callbacks from it.
describe('callback targets', () => {
  let cfg: TestHubConfig;
  let ca: TestCa;
  let hub: HubProcess;
  let portal: TestSender;
  let intranetPortal: TestSender;
  let receiver: CallbackReceiver;
  let db: pg.Pool;
  const secret = randomBytes(32).toString('hex');

  const callbacksOf = async (submissionId: string): Promise<CallbackDbRow[]> =>
    (await db.query<CallbackDbRow>(`SELECT event_name, state, last_error FROM "${cfg.schema}".callbacks WHERE submission_id = $1 ORDER BY created_at`, [submissionId])).rows;

  beforeAll(async () => {
    const dir = await tempDir('callbacks-target');
    ca = await makeTestCa(dir);
    receiver = new CallbackReceiver(ca, secret);
    await receiver.start();
    cfg = await writeTestConfig(dir, {
      overrides: (raw) => {
        raw.callbacks = { backoffMs: 200, maxBackoffMs: 1000, timeoutMs: 5000, maxAgeMs: 600_000 };
        const clients = raw.senderClients as Array<Record<string, unknown>>;
        // the test portal without any allowance; an intranet portal allowed exactly its origin
        clients[0]!.callbackTargets = [];
        clients.push({ ...INTRANET_PORTAL, name: 'Intranet-Portal', destinations: clients[0]!.destinations, callbackTargets: [`https://localhost:${receiver.port}`] });
      },
    });
    db = new pg.Pool({ connectionString: DATABASE_URL(), max: 2 });
    const started = await startHubOnFreePort(async (port) => new HubProcess(['--config', (await setServerPort(cfg, port)).file], { NODE_EXTRA_CA_CERTS: ca.caFile }));
    hub = started.hub;
    const port = started.port;
    portal = new TestSender(`http://127.0.0.1:${port}`, cfg.clientId, cfg.clientSecret);
    intranetPortal = new TestSender(`http://127.0.0.1:${port}`, INTRANET_PORTAL.clientId, INTRANET_PORTAL.clientSecret);
  }, 120_000);

  afterAll(async () => {
    await hub?.stop();
    await receiver?.stop();
    await db?.end();
    if (cfg) await dropSchema(cfg.schema);
  });

  it.each([
    'https://127.0.0.1:6379/x',
    'https://127.1/x',
    'https://[::1]/x',
    'https://[::ffff:127.0.0.1]/x',
    'https://0.0.0.0/x',
    'https://169.254.169.254/latest/meta-data/',
    'https://10.0.0.1/x',
    'https://172.16.5.4/x',
    'https://192.168.0.1/x',
    'https://[fd00::1]/x',
    'https://[fe80::1]/x',
  ])('refuses the internal address in %s at create with a problem naming the callback', async (url) => {
    const response = await portal.request('POST', '/v1/submissions', {
      destinationId: cfg.destinationId,
      serviceType: { identifier: SERVICE, name: 'x' },
      announcedAttachments: [],
      callback: { url, secret },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { detail: string };
    expect(problem.detail).toMatch(/^callback\.url: callback target refused: .* is not a globally routable address/);
    expect(JSON.stringify(problem)).not.toContain(secret);
  });

  it('gives up a callback to a name that resolves to loopback, with the reason, and sends nothing', async () => {
    const url = `https://localhost:${receiver.port}/callbacks/weiche`;
    const sent = await portal.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}'), callback: { url, secret } });
    const rows = await waitFor('every callback given up', async () => {
      const r = await callbacksOf(sent.submissionId);
      return r.length === 3 && r.every((x) => x.state === 'GIVEN_UP') ? r : undefined;
    }, 90_000, 300);
    for (const row of rows) {
      expect(row.last_error).toMatch(/^callback target refused: localhost \((127\.0\.0\.1|::1)(, (127\.0\.0\.1|::1))?\) is not a globally routable address and not allowed for this sender client/);
    }
    expect(receiver.received).toHaveLength(0);
    const audit = await db.query<{ details: { outcome: string; reason: string } }>(`SELECT details FROM "${cfg.schema}".audit WHERE submission_id = $1 AND stage = 'callback'`, [sent.submissionId]);
    expect(audit.rows.map((r) => r.details.outcome)).toEqual(['given-up', 'given-up', 'given-up']);
  }, 120_000);

  it('delivers to an internal receiver whose origin the operator allowed for the sender client', async () => {
    const url = `https://localhost:${receiver.port}/callbacks/weiche`;
    const sent = await intranetPortal.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}'), callback: { url, secret } });
    await waitFor('every callback sent', async () => {
      const r = await callbacksOf(sent.submissionId);
      return r.length === 3 && r.every((x) => x.state === 'SENT') ? r : undefined;
    }, 90_000, 300);
    const mine = receiver.received.filter((c) => c.body.includes(sent.submissionId));
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect(mine.every((c) => c.valid)).toBe(true);
  }, 120_000);
});
