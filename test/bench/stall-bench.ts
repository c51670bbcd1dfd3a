/**
 * Does one large submission stall the small ones? (issue 11; not a test.) The built hub (role all) gets one
 * XBau message of `--mib` MiB (xbau-passthrough: read, validated as input and as output) while `--lanes`
 * senders keep sending small JSON submissions (generic xdomea) until the large one is delivered. Reports the
 * small ones' latency (submit → accept-submission) and the hub's event-loop delay over that window, from its
 * /metrics (prom-client's monitorEventLoopDelay histogram, reset at each scrape). Compare trees by running
 * the compiled bench of each (before/after alternately): `node test/dist/bench/stall-bench.js --mib 6`.
 * `--cpu-prof-dir DIR` profiles the hub (V8, one file per thread, written when it stops).
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { dropSchema, freePort, tempDir } from '../support/env.js';
import { eventNames, TestSender } from '../support/fit-connect-sender.js';
import { addXbauTenant, declareXbauData, largeXbauAntrag, XBAU_SCHEMA } from '../support/large-xbau.js';
import { SERVICE, writeTestConfig } from '../support/test-config.js';
import { BenchHub } from './bench-hub.js';
import { round } from './stats.js';

const { values: args } = parseArgs({ options: { mib: { type: 'string' }, lanes: { type: 'string' }, 'cpu-prof-dir': { type: 'string' } }, allowPositionals: false });
const MIB = Number(args.mib ?? 6);
const LANES = Number(args.lanes ?? 2);

async function accepted(sender: TestSender, caseId: string, deadline: number): Promise<void> {
  for (;;) {
    const names = eventNames(await sender.events(caseId));
    if (names.includes('accept-submission')) return;
    if (names.includes('reject-submission')) throw new Error(`case ${caseId} rejected`);
    if (Date.now() > deadline) throw new Error(`case ${caseId} not accepted in time`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function loopDelay(url: string): Promise<{ maxMs: number; p99Ms: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^weiche_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { maxMs: round(value('max'), 0), p99Ms: round(value('p99'), 0) };
}

async function main(): Promise<void> {
  const dir = await tempDir('stall-bench');
  const port = await freePort();
  let bauamt = '';
  const cfg = await writeTestConfig(dir, {
    port,
    overrides: (raw) => {
      bauamt = addXbauTenant(raw, dir);
    },
  });
  // V8 profiles of every hub thread, written when it exits: where the longest synchronous blocks come from
  const profileDir = args['cpu-prof-dir'];
  const hub = new BenchHub(cfg.file, profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {});
  const url = `http://127.0.0.1:${port}`;
  console.log(`stall benchmark: one ${MIB} MiB XBau message, ${LANES} lanes of small submissions; ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map((l) => round(l, 2)).join(' ')}`);
  try {
    await hub.start();
    const sender = new TestSender(url, cfg.clientId, cfg.clientSecret);
    const small = async (): Promise<number> => {
      const started = performance.now();
      const sent = await sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"antrag":"klein"}') });
      await accepted(sender, sent.caseId, Date.now() + 600_000);
      return performance.now() - started;
    };
    for (let i = 0; i < 3; i++) await small(); // warm-up: schemas compiled, JIT warm
    await loopDelay(url);
    const quiet: number[] = [];
    for (let i = 0; i < 5; i++) quiet.push(await small());
    const quietLoop = await loopDelay(url);
    const xml = largeXbauAntrag(MIB);
    // the window opens before the large submission is sent: the hub decrypts and reads it as soon as it is submitted
    await loopDelay(url);
    const started = performance.now();
    let done = false;
    const largeDone = (async () => {
      const large = await sender.send({ destinationId: bauamt, serviceIdentifier: SERVICE, data: xml, schemaUri: XBAU_SCHEMA, tamper: { metadata: declareXbauData } });
      await accepted(sender, large.caseId, Date.now() + 600_000);
    })().finally(() => (done = true));
    const latencies: number[] = [];
    await Promise.all(
      Array.from({ length: LANES }, async () => {
        while (!done) latencies.push(await small());
      }),
    );
    await largeDone;
    const largeSeconds = (performance.now() - started) / 1000;
    const busyLoop = await loopDelay(url);
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN, 0);
    console.log(`  quiet: small p50 ${round([...quiet].sort((a, b) => a - b)[2]!, 0)} ms; hub event-loop delay max ${quietLoop.maxMs} ms, p99 ${quietLoop.p99Ms} ms`);
    console.log(`  with ${(xml.length / 1048576).toFixed(1)} MiB XBau (sent and accepted in ${round(largeSeconds, 1)} s): ${latencies.length} small, p50 ${at(0.5)} ms, max ${round(sorted.at(-1) ?? NaN, 0)} ms; hub event-loop delay max ${busyLoop.maxMs} ms, p99 ${busyLoop.p99Ms} ms`);
  } finally {
    await hub.stop();
    await dropSchema(cfg.schema).catch(() => undefined);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
