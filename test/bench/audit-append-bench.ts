/**
 * Audit append benchmark (not a test): transitions per second with 8 concurrent writers, each moving its
 * own submissions, once with the audit chain as it was before migration 0006 (one chain, one transaction
 * advisory lock for every append of every submission, held until commit) and once with the chains of
 * ADR 0005 (a chain per submission, HMAC under the evidence key), on the same PostgreSQL in the same run.
 *   npx tsc -b test && node test/dist/bench/audit-append-bench.js [--writers 8] [--seconds 10]
 *
 * Each transition is what Journal.transition does to the database: lock the submission row, update it,
 * append one audit record, commit; only the append differs between the two modes.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PoolClient } from 'pg';
import { EvidenceKey, EvidenceKeyring, generateEvidenceKeyPem } from '@weiche/crypto';
import { appendAudit, bindAuditKeys, canonicalJson, createPool, GENESIS_HASH, migrate, verifyAudit, type AuditInput } from '@weiche/journal';
import { WriteOnceFiles } from '@weiche/blobstore';
import { DATABASE_URL, REPO_ROOT, tempDir, uniqueName } from '../support/env.js';

const { values } = parseArgs({ options: { writers: { type: 'string' }, seconds: { type: 'string' }, submissions: { type: 'string' } } });
const WRITERS = Number(values.writers ?? 8);
const SECONDS = Number(values.seconds ?? 10);
const PER_WRITER = Number(values.submissions ?? 4);

type Append = (client: PoolClient, s: string, input: AuditInput) => Promise<void>;

/** The append of the single global chain before migration 0006 (audit-chain.ts at 0763a4e), kept here as the baseline. */
const globalLockAppend: Append = async (client, s, input) => {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [0x57c4a0d1, s]);
  const last = await client.query<{ hash: string }>(`SELECT hash FROM ${s}.audit ORDER BY seq DESC LIMIT 1`);
  const prevHash = last.rows[0]?.hash ?? GENESIS_HASH;
  const seqRow = await client.query<{ seq: string }>(`SELECT nextval(pg_get_serial_sequence($1, 'seq')) AS seq`, [`${s}.audit`]);
  const record = { seq: Number(seqRow.rows[0]?.seq), at: new Date(), submissionId: input.submissionId ?? null, actor: input.actor, stage: input.stage, fromState: input.fromState ?? null, toState: input.toState ?? null, inputHash: null, outputHash: null, details: input.details ?? {} };
  const hash = createHash('sha256').update(`${prevHash}\n${canonicalJson({ ...record, at: record.at.toISOString() })}`).digest('hex');
  await client.query(
    `INSERT INTO ${s}.audit (seq, at, submission_id, actor, stage, from_state, to_state, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [record.seq, record.at, record.submissionId, record.actor, record.stage, record.fromState, record.toState, JSON.stringify(record.details), prevHash, hash],
  );
};

// the audit table of migration 0001, for the baseline
const OLD_AUDIT = (s: string): string => `
DROP TABLE ${s}.audit CASCADE;
CREATE TABLE ${s}.audit (
  seq bigserial PRIMARY KEY, at timestamptz NOT NULL, submission_id text, actor text NOT NULL, stage text NOT NULL,
  from_state text, to_state text, input_hash text, output_hash text, details jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash text NOT NULL, hash text NOT NULL UNIQUE);
CREATE INDEX ON ${s}.audit (submission_id, seq);`;

const pool = createPool(DATABASE_URL(), { max: WRITERS + 2 });
const keys = new EvidenceKeyring(EvidenceKey.fromPrivatePem(generateEvidenceKeyPem()));

async function prepare(mode: 'global-lock' | 'chains'): Promise<{ schema: string; ids: string[][] }> {
  const schema = uniqueName('bench_audit');
  await migrate(pool, schema);
  if (mode === 'global-lock') await pool.query(OLD_AUDIT(`"${schema}"`));
  else bindAuditKeys(schema, keys);
  const ids = Array.from({ length: WRITERS }, (_, w) => Array.from({ length: PER_WRITER }, (_, i) => `bench-${w}-${i}`));
  await pool.query(
    `INSERT INTO "${schema}".submissions (submission_id, tenant_id, channel, channel_ref, channel_meta, service_identifier, state)
     SELECT id, 't' || (n % 3), 'fit-connect', id, '{}'::jsonb, 'urn:x', 'RECEIVED' FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n)`,
    [ids.flat()],
  );
  return { schema, ids };
}

/** One transition as Journal.transition writes it: row lock, update, audit record, commit. */
async function transition(client: PoolClient, s: string, id: string, from: string, to: string, append: Append): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT state FROM ${s}.submissions WHERE submission_id = $1 FOR UPDATE`, [id]);
    await client.query(`UPDATE ${s}.submissions SET state = $2, updated_at = now() WHERE submission_id = $1`, [id, to]);
    await append(client, s, { submissionId: id, actor: 'bench', stage: 'bench', fromState: from, toState: to, details: { routeId: 'r1' } });
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function measure(mode: 'global-lock' | 'chains', append: Append): Promise<{ mode: string; appends: number; seconds: number; perSecond: number; schema: string }> {
  const { schema, ids } = await prepare(mode);
  const s = `"${schema}"`;
  const deadline = Date.now() + SECONDS * 1000;
  const started = process.hrtime.bigint();
  const counts = await Promise.all(
    ids.map(async (own) => {
      const client = await pool.connect();
      let n = 0;
      try {
        // RECEIVED → FAILED → RECEIVED …: a legal cycle of the state machine
        for (let round = 0; Date.now() < deadline; round++) {
          for (const id of own) {
            const [from, to] = round % 2 === 0 ? ['RECEIVED', 'FAILED'] : ['FAILED', 'RECEIVED'];
            await transition(client, s, id, from!, to!, append);
            n++;
          }
        }
      } finally {
        client.release();
      }
      return n;
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const appends = counts.reduce((a, b) => a + b, 0);
  return { mode, appends, seconds, perSecond: appends / seconds, schema };
}

const before = await measure('global-lock', globalLockAppend);
const after = await measure('chains', appendAudit);
console.log(`${WRITERS} writers, ${SECONDS} s each, ${cpus().length} cores, ${process.version}`);
for (const r of [before, after]) console.log(`${r.mode.padEnd(12)} ${r.perSecond.toFixed(0).padStart(6)} transitions/s (${r.appends} in ${r.seconds.toFixed(1)} s)`);
console.log(`ratio chains / global-lock: ${(after.perSecond / before.perSecond).toFixed(2)}`);
const log = new WriteOnceFiles({ dir: join(await tempDir('bench-audit'), 'audit-checkpoints') });
const verifyStarted = process.hrtime.bigint();
const verdict = await verifyAudit({ pool, schema: after.schema, keys, log });
const verifySeconds = Number(process.hrtime.bigint() - verifyStarted) / 1e9;
console.log(`chains verify: ${(verdict.checked / verifySeconds).toFixed(0)} records/s; ${verdict.message}`);

const dir = join(REPO_ROOT, 'test', 'bench', 'results');
await mkdir(dir, { recursive: true });
const file = join(dir, `audit-append-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, JSON.stringify({ writers: WRITERS, seconds: SECONDS, perWriter: PER_WRITER, cpus: cpus().length, node: process.version, before, after, ratio: after.perSecond / before.perSecond, verify: { records: verdict.checked, seconds: verifySeconds, ok: verdict.ok } }, null, 2));
for (const r of [before, after]) await pool.query(`DROP SCHEMA "${r.schema}" CASCADE`);
await pool.end();
console.log(`figures written to ${file}`);
