/**
 * Isolation benchmark (not a test): tenant B's received → delivered latency while tenant A's
 * Fachverfahren endpoint is healthy, then while it hangs — both phases in the same run.
 *   npx tsc -b test && node test/dist/bench/isolation-bench.js [--n 60]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../support/env.js';
import { runIsolationScenario } from '../support/isolation-scenario.js';

const { values } = parseArgs({ options: { n: { type: 'string' }, runs: { type: 'string' } } });
const perTenant = Number(values.n ?? process.env.BENCH_N ?? 60);
const runs = Number(values.runs ?? 1);

const results = [];
for (let run = 1; run <= runs; run += 1) {
  const result = await runIsolationScenario({ perTenant, lanes: 4 });
  results.push(result);
  console.log(
    `run ${run}: B p50/p95/p99 healthy ${result.healthy.p50Ms}/${result.healthy.p95Ms}/${result.healthy.p99Ms} ms; ` +
      `A hanging ${result.aHanging.p50Ms}/${result.aHanging.p95Ms}/${result.aHanging.p99Ms} ms; p99 ratio ${result.p99Ratio.toFixed(2)}; ` +
      `A during hang ${JSON.stringify(result.aStatesDuringHang)}`,
  );
}
const dir = join(REPO_ROOT, 'test', 'bench', 'results');
await mkdir(dir, { recursive: true });
const file = join(dir, `isolation-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, JSON.stringify({ perTenant, cpus: cpus().length, node: process.version, results }, null, 2));
console.log(`figures written to ${file}`);
process.exit(0);
