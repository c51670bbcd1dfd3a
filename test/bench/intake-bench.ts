/**
 * Intake benchmark (not a test; `npm run bench`): the crypto floor of this machine, then N FIT-Connect
 * submissions through the built hub (gateway → processor → dms-folder) from a bounded number of
 * concurrent jose-only senders. Reports throughput, journal latency received → delivered, the sender's
 * submit latency, verifies one intact ZIP per submission, and writes the figures to test/bench/results/.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { DATABASE_URL, dropSchema, freePort, REDIS_URL, tempDir } from '../support/env.js';
import { sha512, type SendOptions } from '../support/fit-connect-sender.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { BenchHub, workspaceRoot } from './bench-hub.js';
import { measureCryptoFloor, type CryptoFloor } from './crypto-floor.js';
import { acceptCount, auditTimes, packageNames, stateCounts } from './journal-figures.js';
import { processCpuSeconds } from './process-cpu.js';
import { percentile, round } from './stats.js';
import { TimedSender } from './timed-sender.js';
import { verifyOutbox, type OutboxVerdict } from './verify-outbox.js';

const WARMUP = 5;
const ATTACHMENTS = 2;
const ATTACHMENT_BYTES = 100 * 1024;
const DATA_BYTES = 2 * 1024;

const { values: args } = parseArgs({
  options: { n: { type: 'string' }, senders: { type: 'string' }, 'crypto-ms': { type: 'string' }, 'timeout-s': { type: 'string' } },
  allowPositionals: false,
});

function positiveInt(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got "${value}"`);
  return n;
}

const N = positiveInt(args.n ?? process.env.BENCH_N, 200, '--n / BENCH_N');
const SENDERS = positiveInt(args.senders ?? process.env.BENCH_SENDERS, 8, '--senders / BENCH_SENDERS');
const CRYPTO_MS = positiveInt(args['crypto-ms'] ?? process.env.BENCH_CRYPTO_MS, 3000, '--crypto-ms');
const TIMEOUT_S = positiveInt(args['timeout-s'] ?? process.env.BENCH_TIMEOUT_S, Math.max(300, N * 3), '--timeout-s');

interface Sent {
  readonly submissionId: string;
  /** SHA-512 of the data and of every attachment: each must come out as a ZIP entry. */
  readonly hashes: readonly string[];
  readonly sendMs: number;
  readonly submitMs: number;
  readonly ok: boolean;
}

/** Synthetic Fachdaten of about DATA_BYTES: no real person's data, and never logged. */
function syntheticData(i: number): Buffer {
  const base = { vorhaben: `Benchmark-Vorhaben ${i}`, flurstueck: `${1000 + i}/7`, gemarkung: 'Testhausen', bemerkungen: [] as string[] };
  while (Buffer.byteLength(JSON.stringify(base)) < DATA_BYTES) base.bemerkungen.push(randomBytes(24).toString('hex'));
  return Buffer.from(JSON.stringify(base));
}

function submission(cfg: TestHubConfig, i: number): { options: SendOptions; hashes: string[] } {
  const data = syntheticData(i);
  const attachments = Array.from({ length: ATTACHMENTS }, (_, k) => ({
    content: randomBytes(ATTACHMENT_BYTES),
    filename: `anlage-${i}-${k}.pdf`,
    mimeType: 'application/pdf',
    purpose: 'attachment' as const,
  }));
  return {
    options: { destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data, attachments, senderReference: `BENCH-${i}` },
    hashes: [sha512(data), ...attachments.map((a) => sha512(a.content))],
  };
}

async function sendOne(sender: TimedSender, cfg: TestHubConfig, i: number): Promise<Sent> {
  const { options, hashes } = submission(cfg, i);
  const start = performance.now();
  const sent = await sender.send(options);
  const sendMs = performance.now() - start;
  const ok = sent.statuses.submit === 202 && Object.entries(sent.statuses).every(([k, v]) => (k === 'submit' ? v === 202 : v === 204));
  return { submissionId: sent.submissionId, hashes, sendMs, submitMs: sender.lastSubmitMs, ok };
}

/** Polls the journal until every id is DELIVERED (or terminally not), then until its accept-submission SET exists. */
async function waitDelivered(client: pg.Client, schema: string, ids: readonly string[], hub: BenchHub, timeoutS: number): Promise<{ states: Record<string, number>; accepted: number; lastAccept: Date | undefined }> {
  const deadline = Date.now() + timeoutS * 1000;
  let states: Record<string, number> = {};
  for (;;) {
    states = await stateCounts(client, schema, ids);
    const settled = (states.DELIVERED ?? 0) + (states.REJECTED ?? 0) + (states.FAILED ?? 0);
    if (settled === ids.length || !hub.alive() || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  let accept = await acceptCount(client, schema, ids);
  // accept-submission is signed after the DELIVERED commit (dispatcher/deliver-route.ts): give it a moment
  const acceptDeadline = Math.min(deadline, Date.now() + 30_000);
  while (accept.count < (states.DELIVERED ?? 0) && hub.alive() && Date.now() < acceptDeadline) {
    await new Promise((r) => setTimeout(r, 200));
    accept = await acceptCount(client, schema, ids);
  }
  return { states, accepted: accept.count, lastAccept: accept.last };
}

function machine(): Record<string, unknown> {
  const mem = totalmem() / 1024 ** 3;
  return { nproc: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: round(mem, 1), node: process.version, platform: `${process.platform}-${process.arch}` };
}

async function clearRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function printTable(rows: ReadonlyArray<readonly [string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const load: { start: number[]; end: number[] } = { start: loadavg().map((l) => round(l, 2)), end: [] };
  console.log(`intake benchmark: N=${N}, senders=${SENDERS}, crypto ${CRYPTO_MS} ms per operation; load average ${load.start.join(' ')}`);

  console.log('measuring the RSA-4096 crypto floor…');
  const floor: CryptoFloor = measureCryptoFloor({ durationMs: CRYPTO_MS, attachments: ATTACHMENTS });

  const dir = await tempDir('bench');
  const port = await freePort();
  const cfg = await writeTestConfig(dir, {
    port,
    overrides: (raw) => {
      // production timings (config defaults) instead of the tests' fast reconciler; concurrency 4
      raw.processing = { concurrency: 4, lockDurationMs: 30_000, reconcileIntervalMs: 30_000, reconcileAfterMs: 60_000 };
    },
  });
  const hub = new BenchHub(cfg.file);
  const client = new pg.Client({ connectionString: DATABASE_URL() });
  let exitCode = 1;
  try {
    await hub.start();
    await client.connect();
    const baseUrl = `http://127.0.0.1:${port}`;

    console.log(`warming up with ${WARMUP} submissions…`);
    const warmSender = new TimedSender(baseUrl, cfg.clientId, cfg.clientSecret);
    const warm: Sent[] = [];
    for (let i = 0; i < WARMUP; i++) warm.push(await sendOne(warmSender, cfg, -1 - i));
    const warmWait = await waitDelivered(client, cfg.schema, warm.map((s) => s.submissionId), hub, 120);
    if ((warmWait.states.DELIVERED ?? 0) !== WARMUP) throw new Error(`warm-up not delivered: ${JSON.stringify(warmWait.states)}`);

    console.log(`sending ${N} submissions with ${SENDERS} concurrent senders…`);
    const senders = Array.from({ length: SENDERS }, () => new TimedSender(baseUrl, cfg.clientId, cfg.clientSecret));
    // tokens first: they are once per sender, not part of a submission's cost
    await Promise.all(senders.map((s) => s.fetchToken()));
    const sent: Sent[] = [];
    const errors: string[] = [];
    let next = 0;
    const hubCpu0 = await processCpuSeconds(hub.pid);
    const benchCpu0 = process.cpuUsage();
    const t0 = Date.now();
    const p0 = performance.now();
    await Promise.all(
      senders.map(async (sender) => {
        while (next < N) {
          const i = next++;
          try {
            sent.push(await sendOne(sender, cfg, i));
          } catch (error) {
            errors.push(`submission ${i}: ${(error as Error).message.slice(0, 200)}`);
          }
        }
      }),
    );
    const sendPhaseS = (performance.now() - p0) / 1000;
    const ids = sent.map((s) => s.submissionId);
    const waited = await waitDelivered(client, cfg.schema, ids, hub, TIMEOUT_S);
    const hubCpu1 = await processCpuSeconds(hub.pid);
    const benchCpu = process.cpuUsage(benchCpu0);
    const measuredS = (Date.now() - t0) / 1000;
    load.end = loadavg().map((l) => round(l, 2));

    const times = await auditTimes(client, cfg.schema, ids);
    const latencies = times.map((t) => t.deliveredAt.getTime() - t.receivedAt.getTime());
    const lastDelivered = Math.max(...times.map((t) => t.deliveredAt.getTime()));
    const elapsedS = (lastDelivered - t0) / 1000;
    const delivered = waited.states.DELIVERED ?? 0;
    const throughput = delivered / elapsedS;
    const duplicateAudit = times.filter((t) => t.deliveredRecords !== 1).length;

    const all = [...warm, ...sent];
    const verdict: OutboxVerdict = await verifyOutbox(
      cfg.outbox,
      await packageNames(client, cfg.schema, all.map((s) => s.submissionId)),
      new Map(all.map((s) => [s.submissionId, s.hashes])),
    );
    const notOk = sent.filter((s) => !s.ok).length;
    const problems = [
      ...errors,
      ...(notOk > 0 ? [`${notOk} submissions got an unexpected HTTP status`] : []),
      ...(sent.length !== N ? [`only ${sent.length} of ${N} submissions were sent`] : []),
      ...(delivered !== N ? [`${delivered} of ${N} delivered; states ${JSON.stringify(waited.states)}`] : []),
      ...(waited.accepted !== N ? [`${waited.accepted} of ${N} accept-submission events`] : []),
      ...(duplicateAudit > 0 ? [`${duplicateAudit} submissions with more than one DELIVERED audit record`] : []),
      ...verdict.problems.slice(0, 20),
      ...(verdict.zipFiles !== verdict.expected ? [`${verdict.zipFiles} ZIPs in the outbox for ${verdict.expected} submissions`] : []),
    ];
    const ok = problems.length === 0;

    const ms = (v: number): number => round(v, 0);
    const result = {
      benchmark: 'intake',
      ok,
      startedAt: startedAt.toISOString(),
      machine: machine(),
      loadAverage: load,
      parameters: { n: N, senders: SENDERS, warmup: WARMUP, attachments: ATTACHMENTS, attachmentBytes: ATTACHMENT_BYTES, dataBytes: DATA_BYTES, processingConcurrency: 4, adapterConcurrency: 4 },
      crypto: {
        rsa4096OaepSha256DecryptPerSec: round(floor.decryptOpsPerSec, 1),
        rsa4096PssSha512SignPerSec: round(floor.signOpsPerSec, 1),
        decryptsPerSubmission: floor.decryptsPerSubmission,
        signsPerSubmission: floor.signsPerSubmission,
        floorSubmissionsPerSecOneCore: round(floor.floorSubmissionsPerSecOneCore, 2),
      },
      throughput: {
        submissionsPerSec: round(throughput, 2),
        elapsedS: round(elapsedS, 1),
        sendPhaseS: round(sendPhaseS, 1),
        lastAcceptAfterS: waited.lastAccept ? round((waited.lastAccept.getTime() - t0) / 1000, 1) : null,
        ratioToFloor: round(throughput / floor.floorSubmissionsPerSecOneCore, 2),
      },
      // CPU seconds from first submit until everything was delivered and accepted (measuredS of wall time)
      cpu: {
        measuredS: round(measuredS, 1),
        hubCpuS: hubCpu0 !== undefined && hubCpu1 !== undefined ? round(hubCpu1 - hubCpu0, 1) : null,
        senderCpuS: round((benchCpu.user + benchCpu.system) / 1e6, 1),
      },
      latencyReceivedToDeliveredMs: { p50: ms(percentile(latencies, 50)), p95: ms(percentile(latencies, 95)), p99: ms(percentile(latencies, 99)), max: ms(Math.max(...latencies)) },
      senderSubmitMs: { p50: ms(percentile(sent.map((s) => s.submitMs), 50)), p99: ms(percentile(sent.map((s) => s.submitMs), 99)) },
      senderWholeFlowMs: { p50: ms(percentile(sent.map((s) => s.sendMs), 50)), p99: ms(percentile(sent.map((s) => s.sendMs), 99)) },
      verification: { delivered, accepted: waited.accepted, zipFiles: verdict.zipFiles, expectedZips: verdict.expected, problems },
    };

    console.log('');
    printTable([
      ['machine', `${String(result.machine.nproc)} cores, ${String(result.machine.cpuModel)}, ${String(result.machine.memoryGiB)} GiB, node ${process.version}`],
      ['load average (start → end)', `${load.start.join(' ')} → ${load.end.join(' ')}`],
      ['RSA-4096 OAEP-SHA256 decrypt', `${result.crypto.rsa4096OaepSha256DecryptPerSec} ops/s (one core)`],
      ['RSA-4096 PSS-SHA512 sign', `${result.crypto.rsa4096PssSha512SignPerSec} ops/s (one core)`],
      ['RSA ops per submission', `${floor.decryptsPerSubmission} decrypt + ${floor.signsPerSubmission} sign`],
      ['crypto floor', `${result.crypto.floorSubmissionsPerSecOneCore} submissions/s (one core)`],
      ['submissions', `${N} (+${WARMUP} warm-up), ${SENDERS} senders, 2 × ${ATTACHMENT_BYTES / 1024} KiB + ${DATA_BYTES / 1024} KiB data`],
      ['throughput', `${result.throughput.submissionsPerSec} submissions/s (${result.throughput.elapsedS} s first submit → last DELIVERED)`],
      ['achieved / floor', `${result.throughput.ratioToFloor}`],
      ['CPU while measured', `hub ${result.cpu.hubCpuS ?? '?'} s, senders ${result.cpu.senderCpuS} s in ${result.cpu.measuredS} s wall`],
      ['received → delivered', `p50 ${result.latencyReceivedToDeliveredMs.p50} ms, p95 ${result.latencyReceivedToDeliveredMs.p95} ms, p99 ${result.latencyReceivedToDeliveredMs.p99} ms`],
      ['sender submit (PUT)', `p50 ${result.senderSubmitMs.p50} ms, p99 ${result.senderSubmitMs.p99} ms`],
      ['sender whole flow', `p50 ${result.senderWholeFlowMs.p50} ms, p99 ${result.senderWholeFlowMs.p99} ms`],
      ['verification', ok ? `OK: ${delivered} delivered, ${verdict.zipFiles} ZIPs (incl. warm-up), all contents present` : `FAILED: ${problems.length} problem(s)`],
    ]);
    for (const problem of problems.slice(0, 20)) console.log(`  ! ${problem}`);

    const resultsDir = join(workspaceRoot(), 'test', 'bench', 'results');
    await mkdir(resultsDir, { recursive: true });
    const file = join(resultsDir, `intake-${startedAt.toISOString().replace(/:/g, '-').replace(/\..*$/, '')}.json`);
    await writeFile(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`\nfigures written to ${file}`);
    exitCode = ok ? 0 : 1;
  } catch (error) {
    console.error(`benchmark failed: ${(error as Error).message}`);
    console.error(hub.output.slice(-3000));
  } finally {
    await hub.stop();
    await client.end().catch(() => undefined);
    await dropSchema(cfg.schema).catch(() => undefined);
    await clearRedisPrefix(cfg.prefix).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
