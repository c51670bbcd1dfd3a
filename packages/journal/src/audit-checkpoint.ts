import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { ErrorCode, WeicheError } from '@weiche/core';
import type { AuditKeys } from './audit-keys.js';
import { markedFrom, readChainMarker, writeChainMarkers } from './chain-markers.js';
import { canonicalJson } from './canonical-json.js';
import type { CheckpointLog } from './checkpoint-log.js';
import { merkleRoot } from './merkle.js';
import { quoteSchema } from './schema-name.js';
import { withTransaction } from './with-transaction.js';

export type { CheckpointLog } from './checkpoint-log.js';

/** JWS `typ` of a checkpoint. */
export const CHECKPOINT_TYP = 'weiche-audit-checkpoint';
/** Class of the transaction advisory lock that lets one process at a time write a checkpoint (per schema). */
const CHECKPOINT_LOCK_CLASS = 0x57c4a0d2;
/** A checkpoint seals at most this many chains; the rest go into the next one, written right after. */
export const MAX_CHAINS_PER_CHECKPOINT = 20_000;

/** One sealed chain head: the chain, its newest position, that record's hash and time. */
export type CheckpointHead = readonly [chain: string, seq: number, hash: string, at: string];

/** The signed content of a checkpoint (JWS payload). */
export interface CheckpointPayload {
  v: 1;
  no: number;
  /** sha256 hex of the previous checkpoint's JWS (null for the first): the checkpoints form a chain too. */
  prev: string | null;
  issuedAt: string;
  /** Chains sealed here (those that changed since the previous checkpoint) and the records they gained. */
  chains: number;
  records: number;
  /** Records sealed by all checkpoints up to this one. */
  totalRecords: number;
  /** RFC 6962 Merkle root over the heads' canonical JSON, in the order stored. */
  root: string;
  /** Set by a retention run: records before this time may be gone on purpose (partitions dropped). */
  prunedBefore?: string;
}

/** What is stored under `<no>.json`: the JWS and the heads it commits to. */
export interface CheckpointFile {
  jws: string;
  heads: CheckpointHead[];
}

export interface CheckpointSummary {
  no: number;
  chains: number;
  records: number;
  kid: string;
}

/** File name of checkpoint `no`: zero-padded so names sort in order. */
export function checkpointName(no: number): string {
  return `${String(no).padStart(12, '0')}.json`;
}

/** Number of a checkpoint file name, or undefined for other names. */
export function checkpointNo(name: string): number | undefined {
  const m = /^(\d{12})\.json$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function leafOf(head: CheckpointHead): string {
  return canonicalJson(head);
}

export function jwsHash(jws: string): string {
  return createHash('sha256').update(jws).digest('hex');
}

/**
 * Parses and checks one stored checkpoint: signature (any key in the ring), number, link to the previous
 * one, Merkle root and counts. Throws a WeicheError naming what is wrong.
 */
export async function openCheckpoint(
  keys: AuditKeys,
  text: string,
  expect: { no: number; prev: string | null; prevTotal: number },
): Promise<{ payload: CheckpointPayload; kid: string; file: CheckpointFile }> {
  const bad = (why: string): WeicheError => new WeicheError(ErrorCode.INTERNAL, `checkpoint ${expect.no}: ${why}`);
  let file: CheckpointFile;
  try {
    file = JSON.parse(text) as CheckpointFile;
  } catch {
    throw bad('not JSON');
  }
  if (typeof file.jws !== 'string' || !Array.isArray(file.heads)) throw bad('not a checkpoint file');
  let verified: { kid: string; payload: unknown };
  try {
    verified = await keys.verify(file.jws, CHECKPOINT_TYP);
  } catch (error) {
    throw bad(`signature does not verify (${(error as Error).message})`);
  }
  const payload = verified.payload as CheckpointPayload;
  if (payload.no !== expect.no) throw bad(`signed as number ${String(payload.no)}`);
  if (payload.prev !== expect.prev) throw bad('does not link to the previous checkpoint (one was removed, replaced or forked)');
  if (payload.chains !== file.heads.length) throw bad('head count differs from the signed count');
  if (merkleRoot(file.heads.map(leafOf)) !== payload.root) throw bad('heads do not match the signed Merkle root');
  if (payload.totalRecords !== expect.prevTotal + payload.records) throw bad('record totals do not add up');
  return { payload, kid: verified.kid, file };
}

/** Creates the audit partitions of this month and the next `monthsAhead` (idempotent; the hub calls it at start and daily). */
export async function ensureAuditPartitions(pool: Pool, schema: string, monthsAhead = 2): Promise<void> {
  const s = quoteSchema(schema);
  await pool.query(
    `SELECT ${s}.audit_ensure_partition((date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => g))::date)
       FROM generate_series(0, $1::int) AS g`,
    [monthsAhead],
  );
}

/**
 * Writes the next checkpoint: the heads of every chain that gained records since the previous one, signed
 * with the current evidence key, first to the append-only log (durable; its per-chain markers before it), then into the database index,
 * in one transaction that holds a transaction-level advisory lock. The lock makes one writer at a time
 * across replicas and is released by commit, rollback or a dropped connection (nothing to expire, works
 * through a transaction-mode pooler). Resolves undefined when another process is writing or nothing changed.
 * A file left by a writer that died before its commit is adopted (verified and indexed) first.
 */
export async function writeCheckpoint(opts: {
  pool: Pool;
  schema: string;
  keys: AuditKeys;
  log: CheckpointLog;
  prunedBefore?: Date;
  maxChains?: number;
}): Promise<CheckpointSummary | undefined> {
  const s = quoteSchema(opts.schema);
  return withTransaction(opts.pool, async (client) => {
    const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok', [CHECKPOINT_LOCK_CLASS, s]);
    if (!locked.rows[0]?.ok) return undefined;
    const lastRow = await client.query<{ no: string; hash: string; total_records: string }>(
      `SELECT no, hash, total_records FROM ${s}.audit_checkpoints ORDER BY no DESC LIMIT 1`,
    );
    let last = { no: Number(lastRow.rows[0]?.no ?? 0), hash: lastRow.rows[0]?.hash ?? null, total: Number(lastRow.rows[0]?.total_records ?? 0) };
    // before an orphan is adopted (and marked): the scan stops at the first checkpoint with markers
    await markOlderVersionCheckpoints(client, s, opts.log, last.no);
    for (let orphan = await opts.log.get(checkpointName(last.no + 1)); orphan !== undefined; orphan = await opts.log.get(checkpointName(last.no + 1))) {
      const opened = await openCheckpoint(opts.keys, orphan, { no: last.no + 1, prev: last.hash, prevTotal: last.total });
      // its writer wrote the markers first; this adds any a writer without markers (an older version) left out
      await writeChainMarkers(opts.log, opened.payload.no, jwsHash(opened.file.jws), opened.file.heads.map((h) => h[0]));
      await indexCheckpoint(client, s, opened.file, opened.payload, opened.kid);
      last = { no: opened.payload.no, hash: jwsHash(opened.file.jws), total: opened.payload.totalRecords };
    }

    const changed = await client.query<{ chain: string; chain_seq: string; hash: string; at: Date; sealed_seq: string }>(
      `SELECT chain, chain_seq, hash, at, sealed_seq FROM ${s}.audit_heads WHERE chain_seq > sealed_seq ORDER BY chain LIMIT $1`,
      [opts.maxChains ?? MAX_CHAINS_PER_CHECKPOINT],
    );
    if (changed.rows.length === 0 && opts.prunedBefore === undefined) return undefined;
    const heads: CheckpointHead[] = changed.rows.map((r) => [r.chain, Number(r.chain_seq), r.hash, r.at.toISOString()]);
    const records = changed.rows.reduce((n, r) => n + Number(r.chain_seq) - Number(r.sealed_seq), 0);
    const payload: CheckpointPayload = {
      v: 1,
      no: last.no + 1,
      prev: last.hash,
      issuedAt: new Date().toISOString(),
      chains: heads.length,
      records,
      totalRecords: last.total + records,
      root: merkleRoot(heads.map(leafOf)),
      ...(opts.prunedBefore ? { prunedBefore: opts.prunedBefore.toISOString() } : {}),
    };
    const file: CheckpointFile = { jws: await opts.keys.sign({ ...payload }, CHECKPOINT_TYP), heads };
    // the markers before the anchor: a checkpoint in the log always has them, so the newest marker of a chain
    // names the newest checkpoint that sealed it (markers of a writer that dies before its anchor back nothing)
    await writeChainMarkers(opts.log, payload.no, jwsHash(file.jws), heads.map((h) => h[0]));
    // the anchor next: a crash after this leaves a file the next writer adopts, never an index without its anchor
    if (!(await opts.log.put(checkpointName(payload.no), JSON.stringify(file)))) {
      throw new WeicheError(ErrorCode.CONFLICT, `checkpoint ${payload.no} exists in the log already (written by another hub on the same log?)`, { retryable: true });
    }
    await indexCheckpoint(client, s, file, payload, opts.keys.currentKid);
    return { no: payload.no, chains: payload.chains, records, kid: opts.keys.currentKid };
  });
}

/**
 * Writes the markers of the checkpoints a hub of an older version wrote after markers began (`marked-from.json`): in a
 * rolling update old and new replicas write checkpoints side by side, and a chain sealed by an old one only would
 * anchor its evidence to an older seal, and `weiche audit verify` would name the missing markers for good. From the
 * newest checkpoint down to the first that has them; one chain the index names tells (a checkpoint in the log has all
 * its markers or, written by an older version, none), the log's file gives them all.
 */
async function markOlderVersionCheckpoints(client: PoolClient, s: string, log: CheckpointLog, upTo: number): Promise<void> {
  const from = await markedFrom(log);
  if (from === undefined) return;
  for (let no = upTo; no >= from; no -= 1) {
    const sealed = await client.query<{ chain: string }>(`SELECT chain FROM ${s}.audit_checkpoint_heads WHERE checkpoint_no = $1 LIMIT 1`, [no]);
    const chain = sealed.rows[0]?.chain;
    // a checkpoint that sealed no chain (retention only) needs none
    if (chain === undefined) continue;
    if ((await readChainMarker(log, chain, no)) !== undefined) return;
    const text = await log.get(checkpointName(no));
    // a checkpoint missing from the log is `weiche audit verify`'s finding, not this writer's to mend
    if (text === undefined) return;
    const file = JSON.parse(text) as CheckpointFile;
    await writeChainMarkers(log, no, jwsHash(file.jws), file.heads.map((h) => h[0]));
  }
}

/** Records a checkpoint in the database index and marks its heads as sealed. */
async function indexCheckpoint(client: PoolClient, s: string, file: CheckpointFile, payload: CheckpointPayload, kid: string): Promise<void> {
  await client.query(
    `INSERT INTO ${s}.audit_checkpoints (no, issued_at, kid, jws, hash, chains, records, total_records) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [payload.no, payload.issuedAt, kid, file.jws, jwsHash(file.jws), payload.chains, payload.records, payload.totalRecords],
  );
  const columns = [file.heads.map((h) => h[0]), file.heads.map((h) => h[1]), file.heads.map((h) => h[2]), file.heads.map((h) => h[3])];
  await client.query(
    `INSERT INTO ${s}.audit_checkpoint_heads (checkpoint_no, chain, chain_seq, hash, at)
     SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::text[], $5::timestamptz[])`,
    [payload.no, ...columns],
  );
  await client.query(
    `UPDATE ${s}.audit_heads h SET sealed_seq = v.seq
       FROM unnest($1::text[], $2::bigint[]) AS v(chain, seq) WHERE h.chain = v.chain AND h.sealed_seq < v.seq`,
    [columns[0], columns[1]],
  );
}
