import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { zipsIn } from '../support/batch.js';
import { DATABASE_URL, dropSchema, tempDir, waitFor } from '../support/env.js';
import { TestSender } from '../support/fit-connect-sender.js';
import { HubProcess } from '../support/hub-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const CUT_MS = 20_000;

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  // the real PostgreSQL, not the proxy: the test sees the journal while the hub cannot
  const client = new pg.Client({ connectionString: DATABASE_URL() });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function states(cfg: TestHubConfig): Promise<Record<string, number>> {
  const rows = await query<{ state: string; n: string }>(`SELECT state, count(*) AS n FROM "${cfg.schema}".submissions GROUP BY state`);
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** Senders that keep submitting until stopped; they record what the hub acknowledged (202) and every refusal. */
function keepSending(sender: TestSender, destinationId: string, lanes: number): { acknowledged: Set<string>; statuses: Map<number, number>; cutStatuses: Map<number, number>; during: { cut: boolean }; stop(): Promise<void> } {
  const acknowledged = new Set<string>();
  const statuses = new Map<number, number>();
  const cutStatuses = new Map<number, number>();
  const during = { cut: false };
  let running = true;
  const count = (status: number): void => {
    const into = during.cut ? cutStatuses : statuses;
    into.set(status, (into.get(status) ?? 0) + 1);
  };
  async function lane(n: number): Promise<void> {
    for (let i = 0; running; i += 1) {
      try {
        const sent = await sender.send({
          destinationId,
          serviceIdentifier: SERVICE,
          data: Buffer.from(JSON.stringify({ lane: n, laufnummer: i })),
          attachments: [{ content: Buffer.alloc(1024, n), filename: `anlage-${n}-${i}.pdf`, mimeType: 'application/pdf' }],
        });
        for (const status of Object.values(sent.statuses)) if (status !== 202 && status !== 204) count(status);
        if (sent.statuses.submit === 202) {
          acknowledged.add(sent.submissionId);
          count(202);
        }
      } catch (error) {
        // create answered non-2xx (the sender helper throws "POST … → 503: …"), or the connection failed
        const status = /→ (\d{3})/.exec(String(error))?.[1];
        count(status ? Number(status) : 0);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
  const all = Promise.all(Array.from({ length: lanes }, (_, n) => lane(n)));
  return {
    acknowledged,
    statuses,
    cutStatuses,
    during,
    async stop() {
      running = false;
      await all;
    },
  };
}

// Issue 13 §5: a PostgreSQL connection reset under load must kill no process. A TCP proxy between the
// hub and the real PostgreSQL drops every connection and refuses new ones for 20 s while submissions
// are being received, processed and delivered: intake answers 503, the workers pause, and afterwards
// every acknowledged submission is delivered exactly once (one ZIP, one accept-submission).
describe('PostgreSQL cut for 20 s under load', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function run(roles: string[]): Promise<void> {
    const proxy = await new TcpProxy('127.0.0.1', Number(new URL(DATABASE_URL()).port || 5432)).start();
    cleanups.push(() => proxy.cut());
    const url = new URL(DATABASE_URL());
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    // port 0: the gateway binds a port the kernel picks (race-free) and logs its URL
    const cfg = await writeTestConfig(await tempDir('pg-cut'));
    cleanups.push(() => dropSchema(cfg.schema));
    // DATABASE_URL overrides the config file (and the test run sets it): the hub reaches PostgreSQL only through the proxy
    const hubs = roles.map((role) => new HubProcess(['--config', cfg.file, '--role', role], { DATABASE_URL: url.toString() }));
    cleanups.push(async () => void (await Promise.all(hubs.map((h) => h.stop()))));
    // one after the other: the first generates the destination key the others then read
    for (const hub of hubs) await hub.start().waitForLog('weiche hub started');

    const sender = new TestSender(hubs[0]!.url, cfg.clientId, cfg.clientSecret);
    const load = keepSending(sender, cfg.destinationId, 3);
    try {
      // cut while work is in flight: some delivered, some acknowledged but not yet delivered
      const atCut = await waitFor('submissions in every stage', async () => {
        const s = await states(cfg);
        const unfinished = Object.entries(s).filter(([state]) => !['DELIVERED', 'CREATED'].includes(state)).reduce((n, [, c]) => n + c, 0);
        return (s.DELIVERED ?? 0) >= 5 && unfinished >= 1 ? s : undefined;
      }, 120_000, 20).catch(async (error: unknown) => {
        throw new Error(`${String(error)}: states ${JSON.stringify(await states(cfg))}, answers ${JSON.stringify(Object.fromEntries(load.statuses))}\n${hubs.map((h) => h.output.slice(-3000)).join('\n---\n')}`);
      });
      load.during.cut = true;
      await proxy.cut();
      const cutAt = Date.now();
      await waitFor('a 503 during the cut', async () => ((load.cutStatuses.get(503) ?? 0) > 0 ? true : undefined), CUT_MS, 100).catch((error: unknown) => {
        throw new Error(`${String(error)}; seen ${JSON.stringify(Object.fromEntries(load.cutStatuses))} before ${JSON.stringify(Object.fromEntries(load.statuses))} cut at ${cutAt} exited ${hubs.map((h) => h.exited).join()}\n${hubs.map((h) => h.output.slice(-4000)).join('\n---\n')}`);
      });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, cutAt + CUT_MS - Date.now())));
      for (const hub of hubs) expect(hub.exited, `a hub process (${hub.pid}) exited during the cut:\n${hub.output.slice(-3000)}`).toBe(false);
      await proxy.restore();
      load.during.cut = false;
      // intake works again by itself
      const before = load.acknowledged.size;
      await waitFor('new submissions acknowledged after the cut', async () => (load.acknowledged.size >= before + 3 ? true : undefined), 60_000, 200);
      await load.stop();

      const acknowledged = [...load.acknowledged];
      const finished = await waitFor('every acknowledged submission delivered', async () => {
        const rows = await query<{ submission_id: string; state: string }>(`SELECT submission_id, state FROM "${cfg.schema}".submissions WHERE state <> 'CREATED'`);
        const byId = new Map(rows.map((r) => [r.submission_id, r.state]));
        return acknowledged.every((id) => byId.get(id) === 'DELIVERED') && rows.every((r) => r.state === 'DELIVERED') ? rows : undefined;
      }, 180_000, 500);
      const accepts = await query<{ submission_id: string; n: string }>(`SELECT submission_id, count(*) AS n FROM "${cfg.schema}".events WHERE event_name = 'accept-submission' GROUP BY submission_id`);
      const zips = await zipsIn(cfg.outbox);
      console.log(
        `pg-cut (${roles.join(' + ')}): states at cut ${JSON.stringify(atCut)}; during the cut ${JSON.stringify(Object.fromEntries(load.cutStatuses))}; ` +
          `otherwise ${JSON.stringify(Object.fromEntries(load.statuses))}; ${acknowledged.length} acknowledged, ${finished.length} delivered, ${zips.length} ZIPs`,
      );
      // only 202 (acknowledged) or 503 (refused, try again): never another 5xx, never a dropped connection
      for (const status of [...load.cutStatuses.keys(), ...load.statuses.keys()]) expect([202, 503]).toContain(status);
      // a submit whose COMMIT was cut off is refused with 503 yet may be stored: it is then delivered too, once
      expect(finished.length).toBeGreaterThanOrEqual(acknowledged.length);
      expect(zips).toHaveLength(finished.length);
      await waitFor('one accept-submission each', async () => {
        const rows = await query<{ n: string }>(`SELECT count(DISTINCT submission_id) AS n FROM "${cfg.schema}".events WHERE event_name = 'accept-submission'`);
        return Number(rows[0]?.n) === finished.length ? true : undefined;
      }, 60_000, 500);
      const perSubmission = await query<{ n: string }>(`SELECT count(*) AS n FROM "${cfg.schema}".events WHERE event_name = 'accept-submission' GROUP BY submission_id HAVING count(*) > 1`);
      expect(perSubmission).toEqual([]);
      expect(accepts.length).toBeLessThanOrEqual(finished.length);
      for (const hub of hubs) {
        expect(hub.exited).toBe(false);
        expect(hub.output).not.toMatch(/Unhandled 'error' event|uncaughtException|unhandledRejection/);
      }
    } finally {
      await load.stop();
      await proxy.restore();
    }
  }

  it('a process started while PostgreSQL is unreachable keeps retrying with a clear log line, then starts', async () => {
    const proxy = await new TcpProxy('127.0.0.1', Number(new URL(DATABASE_URL()).port || 5432)).start();
    cleanups.push(() => proxy.cut());
    const url = new URL(DATABASE_URL());
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    // port 0: the hub binds only once PostgreSQL is back, a port the kernel picks then (race-free)
    const cfg = await writeTestConfig(await tempDir('pg-down-start'));
    cleanups.push(() => dropSchema(cfg.schema));
    await proxy.cut();
    const hub = new HubProcess(['--config', cfg.file], { DATABASE_URL: url.toString() });
    cleanups.push(() => hub.stop());
    hub.start();
    await waitFor('three start attempts', async () => (hub.output.match(/PostgreSQL unreachable at start: waiting for it/g)?.length ?? 0) >= 3 || hub.exited, 60_000, 100);
    expect(hub.exited, hub.output.slice(-3000)).toBe(false);
    await proxy.restore();
    await hub.waitForLog('weiche hub started');
    const sender = new TestSender(hub.url, cfg.clientId, cfg.clientSecret);
    const sent = await sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{}') });
    expect(sent.statuses.submit).toBe(202);
    await waitFor('delivered', async () => ((await zipsIn(cfg.outbox)).length === 1 ? true : undefined), 60_000, 300);
  }, 180_000);

  it('role all: no exit, 503 during the cut, every acknowledged submission delivered once', () => run(['all']), 420_000);

  it('separate roles (gateway; processor; dispatcher): the same', () => run(['gateway', 'processor', 'dispatcher']), 420_000);
});
