/**
 * Evidence anchor benchmark (not a test): how long the audit part of an evidence bundle takes
 * (EvidenceChainReader.chainOf: the chain's records and the newest checkpoint that sealed it) for a submission
 * sealed once, then N later checkpoints (default 10,000) that seal other chains — before and after the chain
 * markers of docs/adr/0005-audit-chain.md, "Chain markers" — and what the markers cost a checkpoint that seals many chains.
 *   npx tsc -b test && node test/dist/bench/evidence-anchor-bench.js [--checkpoints 10000] [--rounds 5] [--wide 2000]
 *
 * "before" reads a copy of the same checkpoint files without their markers, as a hub of the version before
 * markers left its log: the lookup then reads the log from its newest checkpoint down (the algorithm of
 * evidence-chain.ts before markers: list, then read each file and search it for the chain). "after" reads the
 * log as written, markers included. Runs alternate before/after, so a drift of the machine's speed hits both.
 *
 * Write cost: a checkpoint sealing `--wide` chains, written alternately with and without its markers.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WriteOnceFiles } from '@weiche/blobstore';
import { EvidenceKey, EvidenceKeyring, generateEvidenceKeyPem } from '@weiche/crypto';
import { bindAuditKeys, createPool, EvidenceChainReader, Journal, migrate, writeCheckpoint, type CheckpointLog } from '@weiche/journal';
import { DATABASE_URL, REPO_ROOT, tempDir, uniqueName } from '../support/env.js';
import { percentile } from './stats.js';

const { values } = parseArgs({ options: { checkpoints: { type: 'string' }, rounds: { type: 'string' }, wide: { type: 'string' } } });
const CHECKPOINTS = Number(values.checkpoints ?? 10_000);
const ROUNDS = Number(values.rounds ?? 5);
const WIDE = Number(values.wide ?? 2000);

const pool = createPool(DATABASE_URL(), { max: 4 });
const keys = new EvidenceKeyring(EvidenceKey.fromPrivatePem(generateEvidenceKeyPem()));

async function schema(): Promise<{ schema: string; journal: Journal }> {
  const name = uniqueName('bench_anchor');
  await migrate(pool, name);
  bindAuditKeys(name, keys);
  return { schema: name, journal: new Journal({ pool, schema: name }) };
}

async function submission(journal: Journal): Promise<string> {
  const id = randomUUID();
  await journal.createSubmission({ submissionId: id, tenantId: 't', channel: 'fit-connect', channelRef: id, channelMeta: {}, serviceIdentifier: 'urn:x', state: 'RECEIVED', actor: 'bench' });
  return id;
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/** The log as a hub before markers writes it: markers go nowhere. */
function withoutMarkers(log: CheckpointLog): CheckpointLog {
  const nowhere: CheckpointLog = { put: () => Promise.resolve(true), get: () => Promise.resolve(undefined), list: () => Promise.resolve([]), folder: () => nowhere };
  return { put: (n, c) => log.put(n, c), get: (n) => log.get(n), list: () => log.list(), folder: () => nowhere };
}

// ---- lookup: one chain sealed by checkpoint 1, then CHECKPOINTS checkpoints of other chains ----

const lookup = await schema();
const root = await tempDir('bench-anchor');
const marked = new WriteOnceFiles({ dir: join(root, 'marked', 'audit-checkpoints') });
const sealedOnce = await submission(lookup.journal);
await writeCheckpoint({ pool, schema: lookup.schema, keys, log: marked });
const busy = await submission(lookup.journal);
const started = process.hrtime.bigint();
let writeSeconds = 0;
for (let i = 0; i < CHECKPOINTS; i += 1) {
  await lookup.journal.audit({ submissionId: busy, actor: 'bench', stage: 'redeliver' });
  const t = process.hrtime.bigint();
  await writeCheckpoint({ pool, schema: lookup.schema, keys, log: marked });
  writeSeconds += seconds(t);
  if ((i + 1) % 1000 === 0) console.error(`${i + 1} checkpoints written (${seconds(started).toFixed(0)} s)`);
}
const unmarkedDir = join(root, 'unmarked', 'audit-checkpoints');
await mkdir(unmarkedDir, { recursive: true });
for (const name of (await readdir(marked.dir)).filter((n) => n.endsWith('.json'))) await copyFile(join(marked.dir, name), join(unmarkedDir, name));
const unmarked = new WriteOnceFiles({ dir: unmarkedDir });

const reader = new EvidenceChainReader({ pool, schema: lookup.schema });
const times: Record<'before' | 'after', number[]> = { before: [], after: [] };
for (let round = 0; round < ROUNDS; round += 1) {
  for (const mode of ['before', 'after'] as const) {
    const t = process.hrtime.bigint();
    const { evidence } = await reader.chainOf(sealedOnce, mode === 'before' ? unmarked : marked);
    times[mode].push(seconds(t));
    if (evidence.anchor?.checkpoint.no !== 1) throw new Error(`${mode}: anchored to ${String(evidence.anchor?.checkpoint.no)}, not checkpoint 1`);
  }
}

// ---- write cost: a checkpoint sealing WIDE chains, with and without markers ----

const wide = await schema();
const wideLog = new WriteOnceFiles({ dir: join(root, 'wide', 'audit-checkpoints') });
const ids: string[] = [];
for (let i = 0; i < WIDE; i += 1) ids.push(await submission(wide.journal));
await writeCheckpoint({ pool, schema: wide.schema, keys, log: wideLog });
const writes: Record<'without' | 'with', number[]> = { without: [], with: [] };
for (let round = 0; round < Math.min(ROUNDS, 3); round += 1) {
  for (const mode of ['without', 'with'] as const) {
    for (const id of ids) await wide.journal.audit({ submissionId: id, actor: 'bench', stage: 'redeliver' });
    const t = process.hrtime.bigint();
    const summary = await writeCheckpoint({ pool, schema: wide.schema, keys, log: mode === 'with' ? wideLog : withoutMarkers(wideLog) });
    writes[mode].push(seconds(t));
    if (summary?.chains !== WIDE) throw new Error(`sealed ${String(summary?.chains)} chains, not ${WIDE}`);
  }
}

const ms = (s: number): string => `${(s * 1000).toFixed(1)} ms`;
console.log(`${cpus().length} cores, ${process.version}; chain sealed by checkpoint 1, then ${CHECKPOINTS} checkpoints of another chain`);
console.log(`  writing those checkpoints (markers included): ${ms(writeSeconds / CHECKPOINTS)} each on average`);
for (const mode of ['before', 'after'] as const) console.log(`  ${mode.padEnd(6)} evidence chain + anchor: median ${ms(percentile(times[mode], 50))} (${times[mode].map(ms).join(', ')})`);
console.log(`checkpoint of ${WIDE} chains: without markers median ${ms(percentile(writes.without, 50))}, with markers median ${ms(percentile(writes.with, 50))}`);
console.log(`  (${writes.without.map(ms).join(', ')} / ${writes.with.map(ms).join(', ')})`);

const dir = join(REPO_ROOT, 'test', 'bench', 'results');
await mkdir(dir, { recursive: true });
const file = join(dir, `evidence-anchor-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, JSON.stringify({ checkpoints: CHECKPOINTS, rounds: ROUNDS, wide: WIDE, cpus: cpus().length, node: process.version, writeSecondsPerCheckpoint: writeSeconds / CHECKPOINTS, lookupSeconds: times, wideCheckpointSeconds: writes }, null, 2));
for (const s of [lookup.schema, wide.schema]) await pool.query(`DROP SCHEMA "${s}" CASCADE`);
await rm(root, { recursive: true, force: true });
await pool.end();
console.log(`figures written to ${file}`);
