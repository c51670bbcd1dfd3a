// lookupService cost for one request with many entries (the reader certificate goes out per entry):
// times the hub's built lookupService (services/hub/dist) on a generated reader keystore, no HTTP, no XML parse.
// Run: npx tsc -b && node test/bench/xta-lookup-bench.mjs   (BENCH_ENTRIES, BENCH_ROUNDS to change the size)
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { lookupService } from '../../services/hub/dist/channels/xta/management-port.js';
import { loadReaders } from '../../services/hub/dist/channels/xta/reader-keystores.js';
import { Routing } from '../../services/hub/dist/routing.js';

const ENTRIES = Number(process.env['BENCH_ENTRIES'] ?? 10_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const READER = 'ags:05515000';
const SERVICE = 'urn:xoev-de:xbau:standard:xbau';

const dir = await mkdtemp(join(tmpdir(), 'xta-lookup-bench-'));
try {
  const readers = await loadReaders([
    { identifier: READER, tenant: 'bench', keystore: { pkcs12File: join(dir, 'r.p12'), passwordFile: join(dir, 'r.password') }, generate: true },
  ]);
  const routing = new Routing([{ id: 'bench', tenant: 'bench', service: SERVICE }]);
  const request = {
    operation: 'lookupService',
    payload: { lookups: Array.from({ length: ENTRIES }, () => ({ reader: { type: 'xoev', value: READER }, serviceType: SERVICE })) },
  };
  lookupService({ readers, routing }, request); // warm-up
  const ms = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const response = lookupService({ readers, routing }, request);
    ms.push(performance.now() - t0);
    if (response.httpStatus !== 200) throw new Error(`lookupService answered ${response.httpStatus}`);
  }
  ms.sort((a, b) => a - b);
  const figures = { entries: ENTRIES, rounds: ROUNDS, medianMs: ms[Math.floor(ms.length / 2)], minMs: ms[0], maxMs: ms[ms.length - 1] };
  console.log(`lookupService, ${ENTRIES} entries: median ${figures.medianMs.toFixed(1)} ms (min ${figures.minMs.toFixed(1)}, max ${figures.maxMs.toFixed(1)}) over ${ROUNDS} rounds`);
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', `xta-lookup-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(figures, null, 2) + '\n');
} finally {
  await rm(dir, { recursive: true, force: true });
}
