import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch, zipsIn } from '../support/batch.js';
import { DATABASE_URL, dropSchema, tempDir, waitFor } from '../support/env.js';
import { TestSender } from '../support/fit-connect-sender.js';
import { HubProcess, startHubOnFreePort } from '../support/hub-process.js';
import { setServerPort, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const BATCH = 100;

async function deliveredCount(cfg: TestHubConfig): Promise<{ delivered: number; states: Record<string, number> }> {
  const client = new pg.Client({ connectionString: DATABASE_URL() });
  await client.connect();
  try {
    const { rows } = await client.query<{ state: string; n: string }>(`SELECT state, count(*) AS n FROM "${cfg.schema}".submissions GROUP BY state`);
    const states = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    return { delivered: states.DELIVERED ?? 0, states };
  } finally {
    await client.end();
  }
}

// The gateway runs in one process, processor and dispatcher in another; the second is killed
// with SIGKILL in the middle of a batch and started again. BullMQ hands the dead worker's jobs
// to the new one (stalled-job detection), the journal says how far each submission got, and the
// dms-folder adapter's idempotency key prevents a second ZIP.
describe('crash safety: SIGKILL of the processing process mid-batch', () => {
  let cfg: TestHubConfig;
  let gateway: HubProcess;
  let worker: HubProcess;

  beforeAll(async () => {
    const dir = await tempDir('crash');
    cfg = await writeTestConfig(dir);
    ({ hub: gateway } = await startHubOnFreePort(async (port) => new HubProcess(['--config', (await setServerPort(cfg, port)).file, '--role', 'gateway'])));
    worker = new HubProcess(['--config', cfg.file, '--role', 'processor,dispatcher']).start();
    await worker.waitForLog('weiche hub started');
  });

  afterAll(async () => {
    await worker.stop();
    await gateway.stop();
    await dropSchema(cfg.schema);
  });

  it(`delivers all ${BATCH} submissions exactly once`, async () => {
    const port = (cfg.raw.server as { port: number }).port;
    const sender = new TestSender(`http://127.0.0.1:${port}`, cfg.clientId, cfg.clientSecret);
    const sending = sendBatch(sender, cfg.destinationId, BATCH);
    const before = await waitFor('some deliveries before the kill', async () => {
      const { delivered } = await deliveredCount(cfg);
      return delivered >= 10 ? delivered : undefined;
    }, 120_000, 50);
    await worker.kill('SIGKILL');
    const atKill = await deliveredCount(cfg);
    console.log(`crash-safety: killed the worker with states ${JSON.stringify(atKill.states)}`);
    expect(atKill.delivered).toBeLessThan(BATCH);
    const sent = await sending;
    worker.start();
    await worker.waitForLog('weiche hub started');
    await waitFor('all delivered after restart', async () => ((await deliveredCount(cfg)).delivered === BATCH ? true : undefined), 180_000, 500);

    const zips = await zipsIn(cfg.outbox);
    expect(zips).toHaveLength(BATCH);
    expect(new Set(zips).size).toBe(BATCH);
    const final = await deliveredCount(cfg);
    expect(final.states).toEqual({ DELIVERED: BATCH });
    expect(sent).toHaveLength(BATCH);
    expect(before).toBeGreaterThanOrEqual(10);
    // every submission got exactly one accept-submission event
    const client = new pg.Client({ connectionString: DATABASE_URL() });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${cfg.schema}".events WHERE event_name = 'accept-submission'`);
      expect(Number(rows[0]?.n)).toBe(BATCH);
    } finally {
      await client.end();
    }
  }, 240_000);
});
