import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackReceiver, makeTestCa, type TestCa } from '../support/callback-receiver.js';
import { DATABASE_URL, dropSchema, freePort, REDIS_URL, REFUSED_PORT, tempDir, waitFor } from '../support/env.js';
import { eventNames, TestSender } from '../support/fit-connect-sender.js';
import { HubProcess, restartHubOnPort, startHubOnFreePort } from '../support/hub-process.js';
import { SERVICE, setServerPort, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { accepted, waitForEvents } from '../support/wait-for-events.js';

interface CallbackDbRow {
  jti: string;
  event_name: string;
  state: string;
  attempts: number;
  last_error: string | null;
}

// Issue 12: a sender's callback receiver that is down for a while receives every event afterwards, each
// with a valid HMAC and a fresh timestamp, also across a hub restart (with Redis emptied in between: the
// journal's callbacks table is what the hub rebuilds its work list from). The receiver's certificate is
// issued by a test CA that the hub process trusts only through NODE_EXTRA_CA_CERTS.
describe('FIT-Connect callbacks to a sender', () => {
  let cfg: TestHubConfig;
  let ca: TestCa;
  let hub: HubProcess;
  let sender: TestSender;
  let db: pg.Pool;
  const secret = randomBytes(32).toString('hex');
  const receivers: CallbackReceiver[] = [];

  const callbacksOf = async (submissionId: string): Promise<CallbackDbRow[]> =>
    (await db.query<CallbackDbRow>(`SELECT jti, event_name, state, attempts, last_error FROM "${cfg.schema}".callbacks WHERE submission_id = $1 ORDER BY created_at`, [submissionId])).rows;

  let port: number;
  const makeHub = async (p: number): Promise<HubProcess> => new HubProcess(['--config', (await setServerPort(cfg, p)).file], { NODE_EXTRA_CA_CERTS: ca.caFile });

  beforeAll(async () => {
    const dir = await tempDir('callbacks');
    ca = await makeTestCa(dir);
    cfg = await writeTestConfig(dir, {
      overrides: (raw) => void (raw.callbacks = { backoffMs: 200, maxBackoffMs: 1500, timeoutMs: 5000, maxAgeMs: 600_000 }),
    });
    db = new pg.Pool({ connectionString: DATABASE_URL(), max: 2 });
    ({ hub, port } = await startHubOnFreePort(makeHub));
    sender = new TestSender(`http://127.0.0.1:${port}`, cfg.clientId, cfg.clientSecret);
  }, 120_000);

  afterAll(async () => {
    await hub?.stop();
    for (const r of receivers) await r.stop();
    await db?.end();
    if (cfg) await dropSchema(cfg.schema);
  });

  it('refuses an http callback URL at create with a problem', async () => {
    const response = await sender.request('POST', '/v1/submissions', {
      destinationId: cfg.destinationId,
      serviceType: { identifier: SERVICE, name: 'x' },
      announcedAttachments: [],
      callback: { url: 'http://127.0.0.1:9/callback', secret },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.text()).not.toContain(secret);
  });

  it('refuses a callback URL with user credentials or port 0 at create: no callback could ever reach it', async () => {
    for (const url of ['https://user:pw@receiver.example/callback', 'https://user@receiver.example/callback', 'https://receiver.example:0/callback']) {
      const response = await sender.request('POST', '/v1/submissions', {
        destinationId: cfg.destinationId,
        serviceType: { identifier: SERVICE, name: 'x' },
        announcedAttachments: [],
        callback: { url, secret },
      });
      expect(response.status, url).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.text()).not.toContain('pw@');
    }
  });

  it('keeps the callback secret out of the database in plaintext', async () => {
    // never started: nothing answers there
    const receiver = new CallbackReceiver(ca, secret, REFUSED_PORT);
    const { submissionId } = await sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}'), callback: { url: receiver.url, secret } });
    const { rows } = await db.query<{ meta: string }>(`SELECT channel_meta::text AS meta FROM "${cfg.schema}".submissions WHERE submission_id = $1`, [submissionId]);
    expect(rows[0]?.meta).toContain('sealedSecret');
    expect(rows[0]?.meta).not.toContain(secret);
    const audit = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${cfg.schema}".audit WHERE details::text LIKE $1`, [`%${secret}%`]);
    expect(audit.rows[0]?.n).toBe(0);
    expect(hub.output).not.toContain(secret);
  });

  it('delivers every event to a receiver that was down, with valid HMACs and fresh timestamps, across a hub restart and a Redis flush', async () => {
    const receiver = new CallbackReceiver(ca, secret, await freePort());
    receivers.push(receiver);
    // the receiver is down: nothing listens on its port yet
    const sent = await sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}'), callback: { url: receiver.url, secret } });
    expect(sent.statuses.submit).toBe(202);
    await waitForEvents(sender, sent.caseId, accepted, 90_000);
    await waitFor('every callback tried at least twice while the receiver is down', async () => {
      const rows = await callbacksOf(sent.submissionId);
      return rows.length === 3 && rows.every((r) => r.state === 'PENDING' && r.attempts >= 2) ? rows : undefined;
    }, 60_000, 300);
    const pending = await callbacksOf(sent.submissionId);
    expect(pending.map((r) => r.event_name).sort()).toEqual(['accept-submission', 'create-submission', 'submit-submission']);
    expect(pending[0]?.last_error).toMatch(/ECONNREFUSED/);

    // the hub dies; Redis loses its work list; then the receiver comes up and the hub restarts
    await hub.kill('SIGKILL');
    const redis = new Redis(REDIS_URL());
    const keys = await redis.keys(`{${cfg.prefix}}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await receiver.start();
    const upAt = Date.now();
    // on its port again: the sender holds the hub's URL
    hub = await restartHubOnPort(makeHub, port);

    const received = await waitFor('three callbacks received and recorded as sent', async () => {
      const rows = await callbacksOf(sent.submissionId);
      return receiver.received.length >= 3 && rows.every((r) => r.state === 'SENT') ? receiver.received : undefined;
    }, 90_000, 300);
    const events = await sender.events(sent.caseId);
    expect(eventNames(events).sort()).toEqual(['accept-submission', 'create-submission', 'submit-submission']);
    // every event was told, each callback valid (HMAC, timestamp within 5 minutes), signed at sending time
    expect(received.length).toBeGreaterThanOrEqual(events.length);
    for (const callback of received) {
      expect(callback.valid).toBe(true);
      expect(callback.timestamp).toBeGreaterThanOrEqual(Math.floor(upAt / 1000) - 1);
      expect(JSON.parse(callback.body)).toEqual({
        type: 'https://schema.fitko.de/fit-connect/submission-api/callbacks/new-events',
        submissions: [{ destinationId: cfg.destinationId, submissionId: sent.submissionId, caseId: sent.caseId }],
      });
    }
    const audit = await db.query<{ details: { outcome: string; event: string } }>(
      `SELECT details FROM "${cfg.schema}".audit WHERE submission_id = $1 AND stage = 'callback'`,
      [sent.submissionId],
    );
    expect(audit.rows.map((r) => r.details.event).sort()).toEqual(['accept-submission', 'create-submission', 'submit-submission']);
  }, 240_000);

  it('does not send to a receiver whose certificate no trusted CA issued', async () => {
    const rogue = await makeTestCa(cfg.dir, 'rogue');
    const receiver = new CallbackReceiver(rogue, secret);
    receivers.push(receiver);
    await receiver.start();
    const sent = await sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}'), callback: { url: receiver.url, secret } });
    const rows = await waitFor('a failed attempt recorded', async () => {
      const r = await callbacksOf(sent.submissionId);
      return r.length > 0 && r.every((x) => x.attempts >= 1) ? r : undefined;
    }, 60_000, 300);
    expect(rows.every((r) => r.state === 'PENDING')).toBe(true);
    expect(rows[0]?.last_error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|CERT/);
    expect(receiver.received).toHaveLength(0);
  }, 120_000);
});
