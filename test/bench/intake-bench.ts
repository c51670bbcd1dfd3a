/**
 * Intake benchmark (not a test; `npm run bench`), measuring issue 11's yardstick in one run:
 * the crypto floor of this machine (cores × RSA-4096 private ops/s per core ÷ 7), then N FIT-Connect
 * submissions through the built hub (role all) from a jose-only load generator — encrypted before the
 * clock starts, 8 in flight (closed loop) or at a fixed arrival rate (`--rate`, open loop, for P2) —
 * each timed from the submit `PUT` to the `accept-submission` event as the sender sees it. Reports
 * throughput, p50/p99, floor and ratio, the hub's CPU-s per submission and its split into crypto and
 * the rest (P4), verifies one intact ZIP per submission, and writes the figures to test/bench/results/.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { DATABASE_URL, dropSchema, freePort, REDIS_URL, tempDir } from '../support/env.js';
import { writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { BenchHub, workspaceRoot } from './bench-hub.js';
import { CATEGORIES, summariseProfiles, type Category } from './cpu-profile.js';
import { measureCryptoFloor, type CryptoFloor } from './crypto-floor.js';
import { perfAvailable, PerfRecorder, summarisePerf, type PerfSummary } from './perf-profile.js';
import { auditTimes, packageNames, stageDurations, stateCounts } from './journal-figures.js';
import { ATTACHMENT_BYTES, ATTACHMENTS, DATA_BYTES, drive, LoadSender, throughputOf, type PreparedSubmission } from './load-generator.js';
import { cpuDelta, cpuSecondsOfNamed, processCpuSeconds } from './process-cpu.js';
import { runReference } from './reference-run.js';
import { percentile, round } from './stats.js';
import { verifyOutbox } from './verify-outbox.js';

const WARMUP = 5;

const { values: args } = parseArgs({
  options: {
    n: { type: 'string' },
    senders: { type: 'string' },
    rate: { type: 'string' },
    'poll-ms': { type: 'string' },
    /** poll the event log with plain GETs, as a sender written from the OpenAPI alone does (it names no ETag) */
    'no-etag': { type: 'boolean' },
    'crypto-ms': { type: 'string' },
    'timeout-s': { type: 'string' },
    'cpu-prof': { type: 'boolean' },
    /** where the .cpuprofile files go (kept after the run, for a flame graph); default a temp dir that is removed */
    'cpu-prof-dir': { type: 'string' },
    processors: { type: 'string' },
    /** on-CPU profile of the whole machine with Linux perf during the measured window (P4 split, P1 budget) */
    perf: { type: 'boolean' },
    /** then the same load against the reference receiver (the protocol's crypto only, in memory): the ceiling of this machine and load generator */
    reference: { type: 'boolean' },
  },
  allowPositionals: false,
});

function positive(value: string | undefined, fallback: number, what: string, integer = true): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n))) throw new Error(`${what} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  return n;
}

const N = positive(args.n ?? process.env.BENCH_N, 200, '--n / BENCH_N');
const IN_FLIGHT = positive(args.senders ?? process.env.BENCH_SENDERS, 8, '--senders / BENCH_SENDERS');
const POLL_MS = positive(args['poll-ms'], 25, '--poll-ms');
const CRYPTO_MS = positive(args['crypto-ms'] ?? process.env.BENCH_CRYPTO_MS, 3000, '--crypto-ms');
const TIMEOUT_S = positive(args['timeout-s'] ?? process.env.BENCH_TIMEOUT_S, Math.max(300, N * 3), '--timeout-s');
const RESULTS = join(workspaceRoot(), 'test', 'bench', 'results');
/** `--processors K`: the hub as one gateway+dispatcher process and K processor processes (one crypto thread each) instead of one process with all roles. */
const PROCESSORS = args.processors === undefined ? 0 : positive(args.processors, 1, '--processors');

/** `--rate 12.5` (submissions/s) or `--rate half`: half the throughput of the latest closed-loop run here. */
async function arrivalRate(): Promise<number | undefined> {
  const value = args.rate;
  if (value === undefined) return undefined;
  if (value !== 'half') return positive(value, 1, '--rate', false);
  const files = (await readdir(RESULTS).catch(() => [] as string[])).filter((f) => f.startsWith('intake-') && f.endsWith('.json')).sort().reverse();
  for (const file of files) {
    const result = JSON.parse(await readFile(join(RESULTS, file), 'utf8')) as { ok?: boolean; mode?: string; throughput?: { submissionsPerSec?: number } };
    if (result.ok && result.mode === 'closed-loop' && result.throughput?.submissionsPerSec) return result.throughput.submissionsPerSec / 2;
  }
  throw new Error('--rate half needs an earlier closed-loop run (npm run bench) in test/bench/results');
}

/** Scrapes every hub process's /metrics for the RSA work of its crypto pool, per operation, summed. */
async function cryptoMetrics(urls: readonly string[]): Promise<{ unwrap: number; sign: number; seconds: number }> {
  const text = (await Promise.all(urls.map(async (url) => (await fetch(`${url}/metrics`)).text()))).join('\n');
  const value = (name: string, op?: string): number =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) && (op === undefined || line.includes(`op="${op}"`)))
      .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return { unwrap: value('weiche_crypto_operations_total', 'unwrap'), sign: value('weiche_crypto_operations_total', 'sign'), seconds: value('weiche_crypto_seconds_total') };
}

async function clearRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 500);
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
  const rate = await arrivalRate();
  const mode = rate === undefined ? 'closed-loop' : 'open-loop';
  const load = { start: loadavg().map((l) => round(l, 2)), end: [] as number[] };
  console.log(`intake benchmark (${mode}${rate ? ` at ${round(rate, 2)}/s` : `, ${IN_FLIGHT} in flight`}): N=${N}; load average ${load.start.join(' ')}`);

  console.log('measuring the RSA-4096 crypto floor on one core…');
  const floor: CryptoFloor = measureCryptoFloor({ durationMs: CRYPTO_MS, attachments: ATTACHMENTS });

  const dir = await tempDir('bench');
  const profileDir = args['cpu-prof-dir'] ?? join(dir, 'cpu-profiles');
  const port = await freePort();
  const cfg: TestHubConfig = await writeTestConfig(dir, {
    port,
    overrides: (raw) => {
      // production timings (config defaults) instead of the tests' fast reconciler
      raw.processing = { concurrency: 8, lockDurationMs: 30_000, reconcileIntervalMs: 30_000, reconcileAfterMs: 60_000 };
      (raw.adapters as Array<Record<string, unknown>>)[0]!.concurrency = 8;
    },
  });
  if (args.perf && !(await perfAvailable())) throw new Error('--perf needs Linux perf (Debian: apt-get install linux-perf)');
  // --perf-basic-prof also writes V8's code log per isolate: into the temp dir, not the working directory
  const nodeArgs = [...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...(args.perf ? ['--perf-basic-prof', `--logfile=${join(dir, 'v8.log')}`] : [])];
  const profiling = nodeArgs.length > 0 ? { nodeArgs } : {};
  const hub = new BenchHub(cfg.file, { ...profiling, ...(PROCESSORS > 0 ? { role: 'gateway,dispatcher' } : {}) });
  // each processor serves its own /metrics (its crypto pool's counters) on a health port of its own
  const processorPorts = await Promise.all(Array.from({ length: PROCESSORS }, () => freePort()));
  const processors = processorPorts.map(
    (healthPort) => new BenchHub(cfg.file, { ...profiling, role: 'processor', env: { WEICHE_CRYPTO_THREADS: String(Math.max(1, Math.floor(floor.cores / PROCESSORS))), WEICHE_HEALTH_PORT: String(healthPort) } }),
  );
  const metricsUrls = [`http://127.0.0.1:${port}`, ...processorPorts.map((p) => `http://127.0.0.1:${p}`)];
  const client = new pg.Client({ connectionString: DATABASE_URL() });
  const baseUrl = `http://127.0.0.1:${port}`;
  let exitCode = 1;
  try {
    await hub.start();
    await Promise.all(processors.map((p) => p.start()));
    await client.connect();
    // one sender object per lane (each with its token); open loop spreads starts over the same objects
    const senders = Array.from({ length: IN_FLIGHT }, () => new LoadSender(baseUrl, cfg.clientId, cfg.clientSecret, cfg.destinationId, POLL_MS, { conditional: args['no-etag'] !== true }));
    await Promise.all(senders.map((s) => s.accessToken()));

    console.log(`encrypting ${WARMUP} + ${N} submissions before the clock starts…`);
    const warm = await Promise.all(Array.from({ length: WARMUP }, (_, i) => senders[0]!.prepare(-1 - i)));
    const prepared: PreparedSubmission[] = [];
    for (let i = 0; i < N; i++) prepared.push(await senders[i % senders.length]!.prepare(i));

    console.log(`warming up with ${WARMUP} submissions…`);
    const warmed = await drive(senders.slice(0, 1), warm, { timeoutMs: TIMEOUT_S * 1000 });
    if (warmed.some((w) => w.outcome !== 'accepted')) throw new Error(`warm-up not accepted: ${warmed.map((w) => w.outcome).join(', ')}`);

    console.log(`sending ${N} submissions…`);
    const crypto0 = await cryptoMetrics(metricsUrls);
    const cpuOf = async (): Promise<number[]> => Promise.all([hub, ...processors].map(async (h) => (await processCpuSeconds(h.pid)) ?? Number.NaN));
    const cpu0 = await cpuOf();
    // the rest of the machine's work per submission: the load generator (this process), PostgreSQL, Redis
    const SERVICES = { postgres: ['postgres'], redis: ['redis-server'] } as const;
    const services0 = { postgres: await cpuSecondsOfNamed(SERVICES.postgres), redis: await cpuSecondsOfNamed(SERVICES.redis) };
    const sender0 = process.cpuUsage();
    const recorder = args.perf ? new PerfRecorder(join(dir, 'perf.data')) : undefined;
    const t0 = performance.now();
    const timed = await drive(senders, prepared, { ...(rate === undefined ? {} : { rate }), timeoutMs: TIMEOUT_S * 1000 });
    const wallS = (performance.now() - t0) / 1000;
    await recorder?.stop();
    const cpu1 = await cpuOf();
    const senderCpuS = ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(sender0));
    const postgresCpuS = cpuDelta(services0.postgres, await cpuSecondsOfNamed(SERVICES.postgres));
    const redisCpuS = cpuDelta(services0.redis, await cpuSecondsOfNamed(SERVICES.redis));
    const processCpuS = cpu1.map((c, i) => c - (cpu0[i] ?? Number.NaN));
    const crypto1 = await cryptoMetrics(metricsUrls);
    load.end = loadavg().map((l) => round(l, 2));

    const { accepted, elapsedS, submissionsPerSec: throughput } = throughputOf(timed);
    const latency = accepted.map((t) => t.acceptMs);
    const submit = timed.map((t) => t.submitMs).filter((ms) => Number.isFinite(ms));

    // verification: the journal, the event log and the outbox agree, for warm-up and measured submissions
    const all = [...warmed, ...timed];
    const ids = all.map((t) => t.submissionId);
    const states = await stateCounts(client, cfg.schema, ids);
    const times = await auditTimes(client, cfg.schema, ids);
    const stages = await stageDurations(client, cfg.schema, timed.map((t) => t.submissionId));
    const duplicates = times.filter((t) => t.deliveredRecords !== 1).length;
    const acceptEvents = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT submission_id FROM "${cfg.schema}".events WHERE event_name = 'accept-submission' AND submission_id = ANY($1) GROUP BY submission_id HAVING count(*) = 1) x`,
      [ids],
    );
    const verdict = await verifyOutbox(cfg.outbox, await packageNames(client, cfg.schema, ids), new Map(all.map((t) => [t.submissionId, t.hashes])));
    const problems = [
      ...(accepted.length !== N ? [`${accepted.length} of ${N} accepted (${timed.filter((t) => t.outcome !== 'accepted').map((t) => t.outcome).join(', ')})`] : []),
      ...((states.DELIVERED ?? 0) !== all.length ? [`states ${JSON.stringify(states)} for ${all.length} submissions`] : []),
      ...(duplicates > 0 ? [`${duplicates} submissions without exactly one DELIVERED audit record`] : []),
      ...(acceptEvents.rows[0]?.n !== all.length ? [`${acceptEvents.rows[0]?.n ?? 0} of ${all.length} submissions with exactly one accept-submission event`] : []),
      ...verdict.problems.slice(0, 20),
      ...(verdict.zipFiles !== all.length ? [`${verdict.zipFiles} ZIPs in the outbox for ${all.length} submissions`] : []),
    ];
    const ok = problems.length === 0;

    const hubCpuS = processCpuS.reduce((a, b) => a + b, 0);
    const unwraps = crypto1.unwrap - crypto0.unwrap;
    const signs = crypto1.sign - crypto0.sign;
    const rsaS = crypto1.seconds - crypto0.seconds;
    // what the same operations cost on an idle core (floor phase); the pool's own timer also counts waiting for a core
    const rsaIdleCoreS = unwraps / floor.decryptOpsPerSec + signs / floor.signOpsPerSec;
    await Promise.all([hub, ...processors].map((h) => h.stop()));
    if (args.reference) console.log('the same load against the reference receiver…');
    const reference = args.reference ? await runReference({ n: N, warmup: WARMUP, inFlight: IN_FLIGHT, pollMs: POLL_MS, timeoutMs: TIMEOUT_S * 1000, ...(rate === undefined ? {} : { rate }) }) : undefined;
    const profile = args['cpu-prof'] ? await summariseProfiles(profileDir) : undefined;
    const hubPids = [hub, ...processors].map((h) => h.pid).filter((p): p is number => p !== undefined);
    const perf: PerfSummary | undefined = recorder ? await summarisePerf(recorder.dataFile, { hub: hubPids, loadGenerator: process.pid }, recorder.frequency) : undefined;
    // --perf-basic-prof leaves one symbol map per hub process in /tmp
    if (perf) await Promise.all(hubPids.map((p) => rm(`/tmp/perf-${p}.map`, { force: true })));
    const perfCrypto = perf ? (perf.hub.rsa ?? 0) + (perf.hub.aes ?? 0) + (perf.hub.hash ?? 0) : Number.NaN;
    const perfHubTotal = perf ? Object.values(perf.hub).reduce((a, b) => a + b, 0) : Number.NaN;
    // start-up (module loading, key generation) is not per-submission work
    const profileTotal = profile ? CATEGORIES.filter((c) => c !== 'startup').reduce((sum, c) => sum + profile.seconds[c], 0) : Number.NaN;
    const share = (c: Category): number => (profile ? round(profile.seconds[c] / profileTotal, 3) : Number.NaN);

    const ms = (v: number): number => round(v, 0);
    const result = {
      benchmark: 'intake',
      mode,
      ok,
      startedAt: startedAt.toISOString(),
      machine: { nproc: floor.cores, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: round(totalmem() / 1024 ** 3, 1), node: process.version },
      loadAverage: load,
      parameters: { n: N, processes: PROCESSORS > 0 ? `gateway,dispatcher + ${PROCESSORS} × processor` : 'one (role all)', inFlight: rate === undefined ? IN_FLIGHT : null, arrivalRatePerSec: rate ?? null, pollMs: POLL_MS, warmup: WARMUP, attachments: ATTACHMENTS, attachmentBytes: ATTACHMENT_BYTES, dataBytes: DATA_BYTES, eventLogETags: senders.some((s) => s.etags) },
      crypto: {
        cores: floor.cores,
        rsa4096OaepSha256DecryptPerSecOneCore: round(floor.decryptOpsPerSec, 1),
        rsa4096PssSha512SignPerSecOneCore: round(floor.signOpsPerSec, 1),
        privateOpsPerSecPerCore: round(floor.privateOpsPerSecPerCore, 1),
        opsPerSubmission: `${floor.decryptsPerSubmission} unwrap + ${floor.signsPerSubmission} sign`,
        floorSubmissionsPerSec: round(floor.floorSubmissionsPerSec, 2),
      },
      throughput: { submissionsPerSec: round(throughput, 2), elapsedS: round(elapsedS, 1), ratioToFloor: round(throughput / floor.floorSubmissionsPerSec, 3), ...(reference ? { ratioToReference: round(throughput / reference.submissionsPerSec, 3) } : {}) },
      // the same load, same run, against the reference receiver (crypto only, in memory, every core)
      reference: reference
        ? { accepted: reference.accepted, submissionsPerSec: round(reference.submissionsPerSec, 2), ratioToFloor: round(reference.submissionsPerSec / floor.floorSubmissionsPerSec, 3), p50Ms: ms(reference.p50Ms), p99Ms: ms(reference.p99Ms), receiverCpuSPerSubmission: round(reference.receiverCpuS, 4), loadGeneratorCpuSPerSubmission: round(reference.loadGeneratorCpuS, 4) }
        : null,
      latencySubmitToAcceptMs: { p50: ms(percentile(latency, 50)), p95: ms(percentile(latency, 95)), p99: ms(percentile(latency, 99)), max: ms(Math.max(...latency)) },
      submitPutMs: { p50: ms(percentile(submit, 50)), p99: ms(percentile(submit, 99)) },
      // where the latency goes: audit record of one state → the next (queue waits included), p50 / p99 ms
      stagesMs: Object.fromEntries(Object.entries(stages).map(([stage, values]) => [stage, { p50: ms(percentile(values, 50)), p99: ms(percentile(values, 99)) }])),
      cpu: {
        wallS: round(wallS, 1),
        hubCpuS: round(hubCpuS, 1),
        hubCpuSPerSubmission: round(hubCpuS / N, 4),
        // per process: [gateway+dispatcher or all, processor 1, …]; a processor near wallS × its threads uses its core(s)
        perProcessCpuS: processCpuS.map((c) => round(c, 1)),
        // CPU-s per submission of everything on the machine that took part: what P1 has to fit into cores ÷ (0.7 × floor)
        perSubmission: {
          hub: round(hubCpuS / N, 4),
          loadGenerator: round(senderCpuS / N, 4),
          postgres: round(postgresCpuS / N, 4),
          redis: round(redisCpuS / N, 4),
          total: round((hubCpuS + senderCpuS + postgresCpuS + redisCpuS) / N, 4),
          budgetAtP1: round(floor.cores / (0.7 * floor.floorSubmissionsPerSec), 4),
        },
        rsaUnwrapsPerSubmission: round(unwraps / N, 2),
        rsaSignsPerSubmission: round(signs / N, 2),
        rsaPoolSeconds: round(rsaS, 2),
        rsaSecondsOnIdleCore: round(rsaIdleCoreS, 2),
        rsaShareOfHubCpu: round(rsaIdleCoreS / hubCpuS, 3),
        profile: profile ? { files: profile.files, topOther: profile.topOther, note: 'self time over the hub’s whole life (warm-up included); shares exclude start-up', seconds: Object.fromEntries(CATEGORIES.map((c) => [c, round(profile.seconds[c], 2)])), shares: Object.fromEntries(CATEGORIES.map((c) => [c, share(c)])), cryptoShare: round(share('rsa') + share('aes+hash'), 3), nonCryptoShare: round(1 - share('rsa') - share('aes+hash'), 3) } : null,
      },
      // on-CPU samples (perf, cpu-clock) of the measured window: CPU-s per party and the hub's by category
      perf: perf
        ? {
            note: 'perf record -a -g during the measured window; CPU-s = samples ÷ frequency; hub threads all included',
            secondsPerSubmission: Object.fromEntries(Object.entries(perf.seconds).map(([k, v]) => [k, round(v / N, 4)])),
            hubSeconds: Object.fromEntries(Object.entries(perf.hub).map(([k, v]) => [k, round(v, 2)])),
            hubCryptoShare: round(perfCrypto / perfHubTotal, 3),
            hubNonCryptoShare: round(1 - perfCrypto / perfHubTotal, 3),
            topUncategorised: perf.topUncategorised.map(([k, v]) => [k, round(v, 2)]),
          }
        : null,
      verification: { accepted: accepted.length, delivered: states.DELIVERED ?? 0, zipFiles: verdict.zipFiles, expectedZips: all.length, problems },
    };

    console.log('');
    printTable([
      ['machine', `${floor.cores} cores, ${result.machine.cpuModel}, node ${process.version}`],
      ['load average (start → end)', `${load.start.join(' ')} → ${load.end.join(' ')}`],
      ['RSA-4096 on one core', `unwrap ${result.crypto.rsa4096OaepSha256DecryptPerSecOneCore}/s, PS512 sign ${result.crypto.rsa4096PssSha512SignPerSecOneCore}/s`],
      ['crypto floor', `${result.crypto.floorSubmissionsPerSec} submissions/s = ${floor.cores} cores × ${result.crypto.privateOpsPerSecPerCore} ops/s ÷ 7`],
      ['load', `${N} (+${WARMUP} warm-up), ${rate ? `open loop at ${round(rate, 2)}/s` : `${IN_FLIGHT} in flight`}; 2 × ${ATTACHMENT_BYTES / 1024} KiB + ${DATA_BYTES / 1024} KiB data; encrypted beforehand`],
      ['event log polling', `every ${POLL_MS} ms, ${result.parameters.eventLogETags ? 'with If-None-Match (the hub serves ETags)' : 'plain GETs (no If-None-Match)'}`],
      ['throughput', `${result.throughput.submissionsPerSec} submissions/s (${result.throughput.elapsedS} s first submit → last accept)`],
      ['achieved / floor', `${result.throughput.ratioToFloor}`],
      ...(result.reference
        ? ([
            ['reference receiver', `${result.reference.submissionsPerSec} submissions/s = ${result.reference.ratioToFloor} of the floor (${result.reference.accepted} accepted; p50 ${result.reference.p50Ms} ms, p99 ${result.reference.p99Ms} ms); CPU-s per submission: receiver ${result.reference.receiverCpuSPerSubmission}, load generator ${result.reference.loadGeneratorCpuSPerSubmission}`],
            ['hub / reference', `${result.throughput.ratioToReference}`],
          ] as const)
        : []),
      ['submit PUT → accept-submission', `p50 ${result.latencySubmitToAcceptMs.p50} ms, p99 ${result.latencySubmitToAcceptMs.p99} ms (max ${result.latencySubmitToAcceptMs.max})`],
      ['stages p50 / p99 ms', Object.entries(result.stagesMs).map(([stage, v]) => `${stage.replace('accept-submission', 'accept')} ${v.p50}/${v.p99}`).join(', ')],
      ['hub CPU', `${result.cpu.hubCpuSPerSubmission} CPU-s per submission (${result.cpu.hubCpuS} s in ${result.cpu.wallS} s${PROCESSORS > 0 ? `; per process ${result.cpu.perProcessCpuS.join(' / ')} s` : ''})`],
      ['machine CPU per submission', `hub ${result.cpu.perSubmission.hub} + load generator ${result.cpu.perSubmission.loadGenerator} + PostgreSQL ${result.cpu.perSubmission.postgres} + Redis ${result.cpu.perSubmission.redis} = ${result.cpu.perSubmission.total} CPU-s (P1 leaves ${result.cpu.perSubmission.budgetAtP1} on ${floor.cores} cores)`],
      ['RSA in the hub', `${result.cpu.rsaUnwrapsPerSubmission} unwraps + ${result.cpu.rsaSignsPerSubmission} signatures per submission; ${result.cpu.rsaSecondsOnIdleCore} s at idle-core cost = ${round(result.cpu.rsaShareOfHubCpu * 100, 1)} % of hub CPU (pool timer: ${result.cpu.rsaPoolSeconds} s)`],
      ...(result.cpu.profile ? ([['CPU profile split', `crypto ${round(result.cpu.profile.cryptoShare * 100, 1)} % (RSA ${round(share('rsa') * 100, 1)} %, AES+hash ${round(share('aes+hash') * 100, 1)} %), the rest ${round(result.cpu.profile.nonCryptoShare * 100, 1)} %`]] as const) : []),
      ...(result.perf
        ? ([
            ['perf: CPU-s per submission', Object.entries(result.perf.secondsPerSubmission).map(([k, v]) => `${k} ${v}`).join(', ')],
            ['perf: P4 split of the hub', `crypto ${round(result.perf.hubCryptoShare * 100, 1)} % (RSA ${round(((perf?.hub.rsa ?? 0) / perfHubTotal) * 100, 1)} %, AES ${round(((perf?.hub.aes ?? 0) / perfHubTotal) * 100, 1)} %, hashing ${round(((perf?.hub.hash ?? 0) / perfHubTotal) * 100, 1)} %), the rest ${round(result.perf.hubNonCryptoShare * 100, 1)} %`],
          ] as const)
        : []),
      ['verification', ok ? `OK: ${accepted.length} accepted, ${verdict.zipFiles} ZIPs (incl. warm-up), each once, contents intact` : `FAILED: ${problems.length} problem(s)`],
    ]);
    if (result.perf) console.log(`  perf: hub CPU-s by category: ${JSON.stringify(result.perf.hubSeconds)}\n  perf: largest uncategorised leaves: ${JSON.stringify(result.perf.topUncategorised)}`);
    if (result.cpu.profile) console.log(`  profile seconds: ${JSON.stringify(result.cpu.profile.seconds)}\n  largest uncategorised: ${JSON.stringify(profile?.topOther)}`);
    for (const problem of problems.slice(0, 20)) console.log(`  ! ${problem}`);

    await mkdir(RESULTS, { recursive: true });
    const file = join(RESULTS, `intake-${startedAt.toISOString().replace(/:/g, '-').replace(/\..*$/, '')}.json`);
    await writeFile(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`\nfigures written to ${file}`);
    exitCode = ok ? 0 : 1;
  } catch (error) {
    console.error(`benchmark failed: ${(error as Error).message}`);
    console.error(hub.output.slice(-3000));
  } finally {
    await Promise.all([hub, ...processors].map((h) => h.stop()));
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
