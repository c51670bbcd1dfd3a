import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvidenceKey, EvidenceKeyring, generateEvidenceKeyPem } from '@weiche/crypto';
import { bindAuditKeys, createPool, Journal, migrate } from '@weiche/journal';
import { REPO_ROOT, tempDir, uniqueName } from '../support/env.js';
import { PGBOUNCER_BINARY, PgBouncer } from '../support/pgbouncer.js';

// A Rechenzentrum puts PgBouncer in transaction mode in front of PostgreSQL: every transaction may run
// on another server connection, so session state (session advisory locks, SET, LISTEN, temp tables,
// named prepared statements) does not survive between statements. The journal must not rely on any.
// The real PgBouncer from the Debian package is started by the test; without it the test is skipped.
const missing = PGBOUNCER_BINARY === undefined;
if (missing) console.warn('pgbouncer.test: SKIPPED — the pgbouncer binary is not installed (npm test installs it; by hand: apt-get install pgbouncer)');

interface VitestJson {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ name: string; status: string; message: string }>;
}

/** Runs vitest on the given paths in a child process with DATABASE_URL pointing at PgBouncer. */
function runVitest(paths: string[], databaseUrl: string, outputFile: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...paths, '--reporter=json', `--outputFile=${outputFile}`, '--maxWorkers=1', '--minWorkers=1'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe.skipIf(missing)('the journal through PgBouncer in transaction mode', () => {
  let bouncer: PgBouncer;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('pgbouncer');
    bouncer = await new PgBouncer().start(dir, { poolSize: 2 });
    const config = Object.fromEntries((await bouncer.admin<{ key: string; value: string }>('SHOW CONFIG')).map((r) => [r.key, r.value]));
    expect(config.pool_mode).toBe('transaction');
  });
  afterAll(async () => {
    await bouncer?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes the journal package test suite', async () => {
    const before = await xactCount(bouncer);
    const report = join(dir, 'journal-report.json');
    const run = await runVitest(['packages/journal/src'], bouncer.url, report);
    const json = JSON.parse(await readFile(report, 'utf8').catch(() => '{}')) as Partial<VitestJson>;
    const failures = (json.testResults ?? []).filter((r) => r.status !== 'passed').map((r) => `${r.name}: ${r.message}`);
    expect(failures, run.output.slice(-4000)).toEqual([]);
    expect(run.code, run.output.slice(-4000)).toBe(0);
    expect(json.numFailedTests).toBe(0);
    expect(json.numPassedTests).toBeGreaterThanOrEqual(30);
    // the suite's statements really went through PgBouncer
    expect((await xactCount(bouncer)) - before).toBeGreaterThan(100);
  }, 240_000);

  it('migrates concurrently from four pools and then appends transitions from all of them', async () => {
    const schema = uniqueName('t');
    const pools = Array.from({ length: 4 }, () => createPool(bouncer.url, { max: 4 }));
    try {
      const results = await Promise.all(pools.map((pool) => migrate(pool, schema)));
      expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
      bindAuditKeys(schema, new EvidenceKeyring(EvidenceKey.fromPrivatePem(generateEvidenceKeyPem())));
      const journals = pools.map((pool) => new Journal({ pool, schema }));
      const ids = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const journal = journals[i % journals.length]!;
          const submissionId = randomUUID();
          await journal.createSubmission({
            submissionId,
            tenantId: 'stadt-a',
            channel: 'test-channel',
            channelRef: submissionId,
            channelMeta: {},
            serviceIdentifier: 'urn:x:y',
            state: 'CREATED',
            actor: 'gateway',
          });
          await journal.transition(submissionId, { from: ['CREATED'], to: 'RECEIVED', actor: 'gateway', stage: 'intake' });
          return submissionId;
        }),
      );
      const rows = await Promise.all(ids.map((id) => journals[0]!.getSubmission(id)));
      expect(rows.map((r) => r?.state)).toEqual(ids.map(() => 'RECEIVED'));
      // two server connections carried all of it
      const pool = (await bouncer.admin<{ database: string; sv_active: string; sv_idle: string; sv_used: string }>('SHOW POOLS')).find((p) => p.database !== 'pgbouncer');
      expect(Number(pool?.sv_active ?? 0) + Number(pool?.sv_idle ?? 0) + Number(pool?.sv_used ?? 0)).toBeLessThanOrEqual(2);
    } finally {
      await pools[0]!.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});

async function xactCount(bouncer: PgBouncer): Promise<number> {
  const stats = await bouncer.admin<{ database: string; total_xact_count: string }>('SHOW STATS');
  return stats.filter((s) => s.database !== 'pgbouncer').reduce((sum, s) => sum + Number(s.total_xact_count), 0);
}
