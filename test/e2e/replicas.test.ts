import { rm } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch, zipsIn } from '../support/batch.js';
import { DATABASE_URL, dropSchema, tempDir, waitFor } from '../support/env.js';
import { TestSender } from '../support/fit-connect-sender.js';
import { HubProcess, startHubOnFreePort } from '../support/hub-process.js';
import { PGBOUNCER_BINARY, PgBouncer } from '../support/pgbouncer.js';
import { setServerPort, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const BATCH = 120;

async function query<R extends pg.QueryResultRow>(sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: DATABASE_URL() });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** How many jobs of a queue a process finished, from its own log ("job completed" at debug level). */
function completed(process: HubProcess, queue: string): number {
  return process.output.split('\n').filter((line) => line.includes('"msg":"job completed"') && line.includes(`"queue":"${queue}"`)).length;
}

// Roles as replicas: one gateway, two processor processes and two dispatcher processes of the built
// hub share one Redis and one PostgreSQL (through PgBouncer in transaction mode when it is installed).
// Each submission must be delivered exactly once: one DELIVERED transition, one accept-submission
// event, one ZIP — and both processors and both dispatchers must have taken part.
describe('replicas: 1 gateway, 2 processors, 2 dispatchers', () => {
  let cfg: TestHubConfig;
  let dir: string;
  let bouncer: PgBouncer | undefined;
  const workers: Array<{ role: 'processor' | 'dispatcher'; process: HubProcess; healthPort: number }> = [];
  let gateway: HubProcess;

  beforeAll(async () => {
    dir = await tempDir('replicas');
    cfg = await writeTestConfig(dir, {
      overrides(raw) {
        raw.processing = { concurrency: 4, lockDurationMs: 10_000, reconcileIntervalMs: 5000, reconcileAfterMs: 30_000 };
      },
    });
    const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'debug' };
    if (PGBOUNCER_BINARY) {
      bouncer = await new PgBouncer().start(dir, { poolSize: 6 });
      env.DATABASE_URL = bouncer.url;
    } else {
      console.warn('replicas.test: pgbouncer not installed, the replicas talk to PostgreSQL directly');
    }
    // the gateway first: it creates the hub's signing key that the others then read
    ({ hub: gateway } = await startHubOnFreePort(async (port) => new HubProcess(['--config', (await setServerPort(cfg, port)).file, '--role', 'gateway'], env)));
    const started = await Promise.all(
      (['processor', 'processor', 'dispatcher', 'dispatcher'] as const).map(async (role) => {
        const { hub, port } = await startHubOnFreePort((healthPort) => new HubProcess(['--config', cfg.file, '--role', role], { ...env, WEICHE_HEALTH_PORT: String(healthPort) }));
        return { role, healthPort: port, process: hub };
      }),
    );
    workers.push(...started);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.process.stop()));
    await gateway?.stop();
    await bouncer?.stop();
    await dropSchema(cfg.schema);
    await rm(dir, { recursive: true, force: true });
  });

  it('worker processes answer /healthz and /readyz on their health port', async () => {
    for (const { healthPort } of workers) {
      const live = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
      expect(live.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', blobstore: 'ok', redis: 'ok' } });
    }
  });

  it(`delivers a batch of ${BATCH} exactly once, with work on every replica`, async () => {
    const port = (cfg.raw.server as { port: number }).port;
    const sender = new TestSender(`http://127.0.0.1:${port}`, cfg.clientId, cfg.clientSecret);
    const sent = await sendBatch(sender, cfg.destinationId, BATCH, 8);
    expect(new Set(sent.map((s) => s.submissionId)).size).toBe(BATCH);

    const s = `"${cfg.schema}"`;
    await waitFor(
      `${BATCH} submissions DELIVERED`,
      async () => {
        const [row] = await query<{ n: string }>(`SELECT count(*) AS n FROM ${s}.submissions WHERE state = 'DELIVERED'`);
        return Number(row?.n) === BATCH;
      },
      240_000,
      500,
    );
    const states = await query<{ state: string; n: string }>(`SELECT state, count(*) AS n FROM ${s}.submissions GROUP BY state`);
    expect(states.map((r) => [r.state, Number(r.n)])).toEqual([['DELIVERED', BATCH]]);
    // exactly one DELIVERED transition and one accept-submission per submission
    const delivered = await query<{ submission_id: string; n: string }>(`SELECT submission_id, count(*) AS n FROM ${s}.audit WHERE to_state = 'DELIVERED' GROUP BY submission_id`);
    expect(delivered).toHaveLength(BATCH);
    expect(delivered.every((r) => Number(r.n) === 1)).toBe(true);
    const accepted = await query<{ submission_id: string; n: string }>(`SELECT submission_id, count(*) AS n FROM ${s}.events WHERE event_name = 'accept-submission' GROUP BY submission_id`);
    expect(accepted).toHaveLength(BATCH);
    expect(accepted.every((r) => Number(r.n) === 1)).toBe(true);
    // one ZIP per submission, named as the journal recorded it
    const zips = await zipsIn(cfg.outbox);
    expect(zips).toHaveLength(BATCH);
    const packages = await query<{ package_name: string }>(`SELECT package_name FROM ${s}.submissions`);
    expect(new Set(zips)).toEqual(new Set(packages.map((p) => p.package_name)));

    for (const role of ['processor', 'dispatcher'] as const) {
      const queue = role === 'processor' ? 'process' : 'deliver-dms';
      const counts = workers.filter((w) => w.role === role).map((w) => completed(w.process, queue));
      console.log(`replicas: ${role} jobs completed per process: ${counts.join(' / ')}`);
      expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(BATCH);
      for (const count of counts) expect(count).toBeGreaterThan(0);
    }
  }, 300_000);

  it('every replica stops on SIGTERM within its shutdown deadline and says so', async () => {
    await Promise.all(workers.map((w) => w.process.stop()));
    for (const w of workers) {
      expect(w.process.output).toContain('stopping: draining workers');
      expect(w.process.output).not.toContain('shutdown deadline reached');
      await expect(fetch(`http://127.0.0.1:${w.healthPort}/healthz`)).rejects.toThrow();
    }
  });
});
