import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { auditTimes } from '../bench/journal-figures.js';
import { percentile } from '../bench/stats.js';
import { DATABASE_URL, tempDir, waitFor } from './env.js';
import { FachverfahrenEndpoint } from './fachverfahren-endpoint.js';
import type { TestSender } from './fit-connect-sender.js';
import { startInProcessHub, type InProcessHub } from './hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from './test-config.js';

const SECRET = 'isolation-test-shared-secret';

export interface PhaseFigures {
  readonly n: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

export interface IsolationResult {
  /** Tenant B's received → delivered latency while tenant A's endpoint is healthy. */
  readonly healthy: PhaseFigures;
  /** The same while tenant A's endpoint accepts connections and never answers. */
  readonly aHanging: PhaseFigures;
  readonly p99Ratio: number;
  /** What happened to A's submissions of the hanging phase (they wait or dead-letter; none are lost). */
  readonly aStatesDuringHang: Record<string, number>;
}

async function sendMixed(sender: TestSender, destinations: { a: string; b: string }, perTenant: number, lanes: number): Promise<{ a: string[]; b: string[] }> {
  const plan = Array.from({ length: perTenant * 2 }, (_, i) => (i % 2 === 0 ? 'a' : 'b') as 'a' | 'b');
  const ids = { a: [] as string[], b: [] as string[] };
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < plan.length) {
        const tenant = plan[next++]!;
        const sent = await sender.send({
          destinationId: destinations[tenant],
          serviceIdentifier: SERVICE,
          data: Buffer.from(JSON.stringify({ tenant, n: next })),
          attachments: [{ content: randomBytes(4096), filename: 'anlage.pdf', mimeType: 'application/pdf' }],
        });
        if (sent.statuses.submit !== 202) throw new Error(`submit answered ${sent.statuses.submit}`);
        ids[tenant].push(sent.submissionId);
      }
    }),
  );
  return ids;
}

async function figures(cfg: TestHubConfig, ids: readonly string[]): Promise<PhaseFigures> {
  const client = new pg.Client({ connectionString: DATABASE_URL() });
  await client.connect();
  try {
    const times = await auditTimes(client, cfg.schema, ids);
    const latencies = times.map((t) => t.deliveredAt.getTime() - t.receivedAt.getTime());
    return { n: latencies.length, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), p99Ms: percentile(latencies, 99) };
  } finally {
    await client.end();
  }
}

/** States of a submission the process worker has not finished with (received, opened, mapped, not yet routed). */
const IN_PROCESSING = ['RECEIVED', 'OPENED', 'MAPPED'];

async function statesOf(hub: InProcessHub, ids: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const id of ids) {
    const state = (await hub.deps.journal.getSubmission(id))?.state ?? 'MISSING';
    counts[state] = (counts[state] ?? 0) + 1;
  }
  return counts;
}

/**
 * Two municipalities on one hub, each with its own Fachverfahren endpoint and adapter instance.
 * Phase 1: both endpoints healthy. Phase 2: A's endpoint hangs (accepts, never answers). Tenant B's
 * latency is measured in both phases of the same run.
 */
export async function runIsolationScenario(options: { perTenant: number; lanes?: number }): Promise<IsolationResult> {
  const endpointA = await new FachverfahrenEndpoint(SECRET).start();
  const endpointB = await new FachverfahrenEndpoint(SECRET).start();
  const dir = await tempDir('isolation');
  const destinationB = randomUUID();
  const cfg = await writeTestConfig(dir, {
    overrides: (raw) => {
      (raw.tenants as unknown[]).push({ id: 'bstadt', name: 'Stadt B', behoerdenkennung: 'ags:05974040' });
      const [destinationA] = raw.destinations as Array<Record<string, unknown>>;
      (raw.destinations as unknown[]).push({
        ...destinationA,
        id: destinationB,
        tenant: 'bstadt',
        keys: { privateKeyFile: join(dir, 'keys', 'b.key.pem'), certificateFile: join(dir, 'keys', 'b.cert.pem'), generate: true },
      });
      const [client] = raw.senderClients as Array<{ destinations: string[] }>;
      client!.destinations.push(destinationB);
      const http = (url: string, id: string) => ({
        id,
        kind: 'http',
        config: { url, secret: SECRET, timeoutMs: 2000 },
        concurrency: 2,
        timeoutMs: 3000,
        retry: { attempts: 5, backoffMs: 500, maxBackoffMs: 2000 },
      });
      raw.adapters = [http(endpointA.url, 'a-fv'), http(endpointB.url, 'b-fv')];
      raw.routes = [
        { id: 'a-route', tenant: 'testhausen', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'a-fv' },
        { id: 'b-route', tenant: 'bstadt', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'b-fv' },
      ];
    },
  });
  const hub = await startInProcessHub(cfg);
  const destinations = { a: cfg.destinationId, b: destinationB };
  const lanes = options.lanes ?? 4;
  const allDelivered = async (ids: readonly string[]): Promise<true | undefined> => {
    const rows = await Promise.all(ids.map((id) => hub.deps.journal.getSubmission(id)));
    return rows.every((r) => r?.state === 'DELIVERED') ? true : undefined;
  };
  try {
    // warm-up: mapping schemas, keys and connections are loaded before anything is measured
    const warm = await sendMixed(hub.sender, destinations, 2, lanes);
    await waitFor('warm-up delivered', () => allDelivered([...warm.a, ...warm.b]), 60_000, 100);

    const healthy = await sendMixed(hub.sender, destinations, options.perTenant, lanes);
    await waitFor('healthy phase delivered', () => allDelivered([...healthy.a, ...healthy.b]), 120_000, 100);
    const healthyFigures = await figures(cfg, healthy.b);

    endpointA.mode = 'hang';
    const hanging = await sendMixed(hub.sender, destinations, options.perTenant, lanes);
    await waitFor("B's deliveries while A hangs", () => allDelivered(hanging.b), 120_000, 100);
    const hangingFigures = await figures(cfg, hanging.b);
    // A's are sent alongside B's, the last of them just before B's last: wait until none is still being processed,
    // so an A still being mapped is not read as held in the wrong state (the caller judges what the states are)
    const aStates = await waitFor("A's submissions through processing", async () => {
      const states = await statesOf(hub, hanging.a);
      return Object.keys(states).some((state) => IN_PROCESSING.includes(state)) ? undefined : states;
    }, 120_000, 100);
    return { healthy: healthyFigures, aHanging: hangingFigures, p99Ratio: hangingFigures.p99Ms / healthyFigures.p99Ms, aStatesDuringHang: aStates };
  } finally {
    await hub.stop();
    await endpointA.stop();
    await endpointB.stop();
  }
}
