import type { Pool } from 'pg';
import { WeicheError } from '@weiche/core';
import { checkpointName, checkpointNo, jwsHash, openCheckpoint, type CheckpointHead, type CheckpointLog } from './audit-checkpoint.js';
import { chainMarkers, markedFrom, readChainMarker } from './chain-markers.js';
import { auditHash, GENESIS_HASH, LEGACY_CHAIN, legacyAuditHash, macInput } from './audit-hash.js';
import type { AuditKeys } from './audit-keys.js';
import { toAuditRecord, type AuditDbRow, type AuditRecord } from './audit-rows.js';
import type { ChainSeal } from './evidence-chain.js';
import { toJournalError } from './journal-error.js';
import { quoteSchema } from './schema-name.js';

/** A record (or checkpoint: chain "checkpoints", seq = its number) that does not verify. */
export interface AuditProblem {
  chain: string;
  seq: number;
  reason: string;
}

/** Records that should be there and are not. */
export interface AuditGap {
  chain: string;
  fromSeq: number;
  toSeq: number;
  reason: string;
}

/** The verdict of verifyAudit; the admin API returns it as is. */
export interface AuditVerdict {
  ok: boolean;
  /** Records found and checked. */
  checked: number;
  /** Records that the chains and checkpoints in scope say exist (checked + missing + pruned). */
  total: number;
  /** Chains checked. */
  chains: number;
  /** Records newer than the newest checkpoint covering their chain: intact, but not yet anchored. */
  unanchored: number;
  /** Records gone before the retention horizon a checkpoint announced: absent on purpose, not a gap. */
  pruned: number;
  /** Number of bad records and checkpoints (firstBad is the earliest). */
  problems: number;
  firstBad?: AuditProblem;
  /** Missing records (at most MAX_GAPS listed). */
  gaps?: AuditGap[];
  checkpoints: { verified: number; latest?: { no: number; issuedAt: string; kid: string } };
  /** Chain markers naming a checkpoint that was never written (its writer died after the markers): harmless, lookups pass them over. */
  staleMarkers?: number;
  message: string;
}

export interface VerifyAuditOptions {
  pool: Pool;
  schema: string;
  keys: AuditKeys;
  log: CheckpointLog;
  /** Only the chains of this tenant's submissions. */
  tenant?: string;
  /** Only chains with a record at or after this time (each checked whole, from its first record). */
  since?: Date;
  /** Records per query (default 2000): memory stays bounded by this, whatever the size of the log. */
  batchSize?: number;
  onProgress?: (progress: { checked: number; estimate: number }) => void;
}

const MAX_GAPS = 100;
const CHAINS_PER_PAGE = 200;
const CHECKPOINTS_PER_QUERY = 50;

interface Sealed {
  no: number;
  seq: number;
  hash: string;
  at: Date;
}

/** One chain's markers still to account for by a seal. */
interface MarkerCheck {
  chain: string;
  markers: Set<number>;
}

/** Collects what is wrong while the verification goes on. */
class Findings {
  problems = 0;
  firstBad: (AuditProblem & { at: number }) | undefined;
  readonly gaps: AuditGap[] = [];
  gapCount = 0;

  bad(chain: string, seq: number, reason: string, at: Date | undefined): void {
    this.problems += 1;
    const time = at?.getTime() ?? Number.NEGATIVE_INFINITY;
    // the earliest in time is what an auditor looks at first
    if (!this.firstBad || time < this.firstBad.at) this.firstBad = { chain, seq, reason, at: time };
  }

  gap(gap: AuditGap): void {
    this.gapCount += 1;
    if (this.gaps.length < MAX_GAPS) this.gaps.push(gap);
  }
}

/**
 * Verifies the audit log: the signed checkpoints in the external log (signatures, numbering, links,
 * Merkle roots) and the database index of them, then every chain in scope record by record (position,
 * link, hash, MAC, and against the newest checkpoint that sealed it), then chains a checkpoint sealed
 * but that have no records any more. Streams in batches; memory is bounded by the batch size and the
 * largest checkpoint.
 */
export async function verifyAudit(opts: VerifyAuditOptions): Promise<AuditVerdict> {
  try {
    return await new AuditVerifier(opts).run();
  } catch (error) {
    throw error instanceof WeicheError ? error : toJournalError(error);
  }
}

/**
 * The first problem of one chain's records as given (positions from 1, links, hashes, MACs, and against every head
 * its checkpoints sealed), or undefined when they verify: what the hub checks before it signs an evidence
 * bundle, so its signature never covers a record that a database owner forged or changed (the offline check
 * cannot recompute MACs), nor a chain whose sealed newest records were deleted — also not when the owner set the
 * head back so that a newer checkpoint sealed the shorter or re-written chain (the older seals show it).
 */
export function checkChainRecords(chain: string, records: readonly AuditRecord[], keys: AuditKeys, seals: readonly ChainSeal[] = []): AuditProblem | undefined {
  const findings = new Findings();
  const all = seals.map((s): Sealed => ({ no: s.no, seq: s.head[1], hash: s.head[2], at: new Date(s.head[3]) }));
  const highest = all.reduce<Sealed | undefined>((top, s) => (top === undefined || higher(s, top) ? s : top), undefined);
  const newest = all.reduce<Sealed | undefined>((last, s) => (last === undefined || s.no > last.no ? s : last), undefined);
  if (newest && highest && newest.seq < highest.seq) findings.bad(chain, newest.seq + 1, setBack(newest, highest), newest.at);
  const check = new ChainCheck(chain, highest, keys, findings, undefined, all.filter((s) => s !== highest));
  for (const record of records) {
    if (record.chain !== chain) findings.bad(chain, record.chainSeq, `a record of chain ${record.chain}`, record.at);
    else check.feed(record);
  }
  check.finish();
  const gap = findings.gaps[0];
  if (findings.firstBad) return { chain, seq: findings.firstBad.seq, reason: findings.firstBad.reason };
  return gap ? { chain, seq: gap.fromSeq, reason: gap.reason } : undefined;
}

class AuditVerifier {
  private readonly s: string;
  private readonly batch: number;
  private readonly findings = new Findings();
  private prunedBefore: Date | undefined;
  private checked = 0;
  private total = 0;
  private chains = 0;
  private unanchored = 0;
  private pruned = 0;
  private estimate = 0;
  private staleMarkers = 0;
  /** The first checkpoint written with chain markers (from it on, every sealed chain must have one). */
  private markedFrom: number | undefined;
  /** The newest checkpoint this run verified. */
  private verifiedUpTo = 0;
  /** Heads of the checkpoints whose database copy is missing or differs: the log's, which chains are checked against. */
  private readonly logHeads = new Map<number, readonly CheckpointHead[]>();

  constructor(private readonly opts: VerifyAuditOptions) {
    this.s = quoteSchema(opts.schema);
    this.batch = opts.batchSize ?? 2000;
  }

  private async query<R extends object>(sql: string, params: unknown[]): Promise<R[]> {
    return (await this.opts.pool.query<R>(sql, params)).rows;
  }

  async run(): Promise<AuditVerdict> {
    this.markedFrom = await markedFrom(this.opts.log);
    const checkpoints = await this.verifyCheckpoints();
    this.verifiedUpTo = checkpoints.verified;
    this.estimate = await this.countInScope();
    for (let after = ''; ; ) {
      const page = await this.chainPage(after);
      if (page.length === 0) break;
      await this.verifyChains(page);
      after = page[page.length - 1]!;
    }
    await this.verifyChainsTakenOutOfScope();
    await this.findVanishedChains();
    return this.verdict(checkpoints);
  }

  // ---- checkpoints ----

  private async verifyCheckpoints(): Promise<AuditVerdict['checkpoints']> {
    const { keys, log } = this.opts;
    const stored = (await log.list()).map(checkpointNo).filter((n): n is number => n !== undefined);
    let verified = 0;
    let latest: AuditVerdict['checkpoints']['latest'];
    let prev: string | null = null;
    let prevTotal = 0;
    for (let i = 0; i < stored.length; i += CHECKPOINTS_PER_QUERY) {
      const nos = stored.slice(i, i + CHECKPOINTS_PER_QUERY);
      const { indexed, indexHeads } = await this.indexOf(nos);
      for (const no of nos) {
        const expectedNo = verified + 1;
        if (no !== expectedNo) {
          this.findings.bad('checkpoints', expectedNo, `checkpoint ${expectedNo} is missing from the checkpoint log`, undefined);
          return { verified, ...(latest ? { latest } : {}) };
        }
        const text = (await log.get(checkpointName(no))) ?? '';
        let opened;
        try {
          opened = await openCheckpoint(keys, text, { no, prev, prevTotal });
        } catch (error) {
          this.findings.bad('checkpoints', no, (error as Error).message, undefined);
          return { verified, ...(latest ? { latest } : {}) };
        }
        const issuedAt = new Date(opened.payload.issuedAt);
        const indexedHash = indexed.get(no);
        if (indexedHash !== jwsHash(opened.file.jws) || !sameHeads(opened.file.heads, indexHeads.get(no) ?? [])) this.logHeads.set(no, opened.file.heads);
        if (indexedHash === undefined) {
          // a writer that died before its commit leaves this until the next checkpoint adopts it; a deleted index row looks the same
          this.findings.bad('checkpoints', no, `checkpoint ${no} is not in the database index (adopted by the next checkpoint if its writer died; else deleted)`, issuedAt);
        } else if (indexedHash !== jwsHash(opened.file.jws)) {
          this.findings.bad('checkpoints', no, `checkpoint ${no}: the database index holds another checkpoint under this number`, issuedAt);
        } else if (!sameHeads(opened.file.heads, indexHeads.get(no) ?? [])) {
          this.findings.bad('checkpoints', no, `checkpoint ${no}: the database copy of its sealed heads was altered`, issuedAt);
        }
        verified = no;
        prev = jwsHash(opened.file.jws);
        prevTotal = opened.payload.totalRecords;
        if (opened.payload.prunedBefore) this.prunedBefore = new Date(opened.payload.prunedBefore);
        latest = { no, issuedAt: opened.payload.issuedAt, kid: opened.kid };
      }
    }
    const beyond = await this.query<{ no: string }>(`SELECT no FROM ${this.s}.audit_checkpoints WHERE no > $1 ORDER BY no LIMIT 1`, [stored[stored.length - 1] ?? 0]);
    for (const { no } of beyond) this.findings.bad('checkpoints', Number(no), `checkpoint ${no} is in the database but not in the checkpoint log`, undefined);
    return { verified, ...(latest ? { latest } : {}) };
  }

  /** The database index of some checkpoints: their JWS hashes and sealed heads. */
  private async indexOf(nos: number[]): Promise<{ indexed: Map<number, string>; indexHeads: Map<number, CheckpointHead[]> }> {
    const checkpoints = await this.query<{ no: string; hash: string }>(`SELECT no, hash FROM ${this.s}.audit_checkpoints WHERE no = ANY($1::bigint[])`, [nos]);
    const rows = await this.query<{ checkpoint_no: string; chain: string; chain_seq: string; hash: string; at: Date }>(
      `SELECT checkpoint_no, chain, chain_seq, hash, at FROM ${this.s}.audit_checkpoint_heads WHERE checkpoint_no = ANY($1::bigint[])`,
      [nos],
    );
    const byNo = new Map<number, CheckpointHead[]>();
    for (const r of rows) {
      const no = Number(r.checkpoint_no);
      const list = byNo.get(no) ?? [];
      list.push([r.chain, Number(r.chain_seq), r.hash, r.at.toISOString()]);
      byNo.set(no, list);
    }
    return { indexed: new Map(checkpoints.map((c) => [Number(c.no), c.hash])), indexHeads: byNo };
  }

  // ---- scope ----

  /** SQL condition on alias `a` of the audit table for the tenant / since scope; parameters from $2. */
  private scope(params: unknown[]): string {
    const where: string[] = [];
    if (this.opts.tenant !== undefined) {
      // the legacy chain is shared by all tenants: an unscoped run verifies it
      params.push(this.opts.tenant);
      where.push(`a.tenant_id = $${params.length} AND a.chain <> '${LEGACY_CHAIN}'`);
    }
    if (this.opts.since !== undefined) {
      params.push(this.opts.since);
      where.push(`a.at >= $${params.length}`);
    }
    return where.length > 0 ? ` AND ${where.join(' AND ')}` : '';
  }

  private async countInScope(): Promise<number> {
    const params: unknown[] = [];
    const rows = await this.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.s}.audit a WHERE true${this.scope(params)}`, params);
    return Number(rows[0]?.n ?? 0);
  }

  /** The next chains in scope after `after`, in chain order. */
  private async chainPage(after: string): Promise<string[]> {
    const params: unknown[] = [after];
    const where = this.scope(params);
    params.push(CHAINS_PER_PAGE);
    const rows = await this.query<{ chain: string }>(
      `SELECT DISTINCT a.chain FROM ${this.s}.audit a WHERE a.chain > $1${where} ORDER BY a.chain LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => r.chain);
  }

  /**
   * Queries (parameters: $1 after, $2 page size, then those given) for chains that belong in the scope but that
   * tampering took out of chainPage's: with `since`, chains a checkpoint sealed at or after it whose records since
   * then are gone (the newest deleted); with `tenant`, chains of the tenant's submissions none of whose records
   * carry the tenant any more (changed or removed). Disjoint from chainPage's chains and from each other.
   */
  private outOfScopeQueries(): Array<{ sql: string; params: unknown[] }> {
    const { since, tenant } = this.opts;
    const queries: Array<{ sql: string; params: unknown[] }> = [];
    const tenantChains = (param: string): string => `SELECT 'submission:' || p.submission_id FROM ${this.s}.submissions p WHERE p.tenant_id = ${param}`;
    if (since !== undefined) {
      const ofTenant =
        tenant === undefined
          ? ''
          : ` AND (h.chain IN (${tenantChains('$4')}) OR EXISTS (SELECT 1 FROM ${this.s}.audit a WHERE a.chain = h.chain AND a.tenant_id = $4 AND a.chain <> '${LEGACY_CHAIN}'))`;
      queries.push({
        sql: `SELECT DISTINCT h.chain FROM ${this.s}.audit_checkpoint_heads h WHERE h.chain > $1 AND h.at >= $3
                AND EXISTS (SELECT 1 FROM ${this.s}.audit a WHERE a.chain = h.chain)
                AND NOT EXISTS (SELECT 1 FROM ${this.s}.audit a WHERE a.chain = h.chain AND a.at >= $3)${ofTenant}
              ORDER BY h.chain LIMIT $2`,
        params: tenant === undefined ? [since] : [since, tenant],
      });
    }
    if (tenant !== undefined) {
      queries.push({
        sql: `SELECT c.chain FROM (${tenantChains('$3')}) c (chain) WHERE c.chain > $1
                AND NOT EXISTS (SELECT 1 FROM ${this.s}.audit a WHERE a.chain = c.chain AND a.tenant_id = $3)
                AND EXISTS (SELECT 1 FROM ${this.s}.audit a WHERE a.chain = c.chain AND ($4::timestamptz IS NULL OR a.at >= $4))
              ORDER BY c.chain LIMIT $2`,
        params: [tenant, since ?? null],
      });
    }
    return queries;
  }

  /** Verifies the chains of outOfScopeQueries: tampering must not take a chain out of the check that would name it. */
  private async verifyChainsTakenOutOfScope(): Promise<void> {
    for (const { sql, params } of this.outOfScopeQueries()) {
      for (let after = ''; ; ) {
        const page = (await this.query<{ chain: string }>(sql, [after, CHAINS_PER_PAGE, ...params])).map((r) => r.chain);
        if (page.length > 0) await this.verifyChains(page);
        if (page.length < CHAINS_PER_PAGE) break;
        after = page[page.length - 1]!;
      }
    }
  }

  // ---- chains ----

  /**
   * The highest sealed head of each chain (the one its records must reach) and the newest (which must not lie below
   * it: a database owner who sets a chain's head back gets the next checkpoint to seal the shorter chain): from the
   * database index where it matches the log, from the log for the checkpoints whose index copy was altered, so
   * deleted newest records are named even when the index row of the checkpoint that sealed them was deleted too.
   */
  private async sealedHeads(chains: string[]): Promise<{ highest: Map<string, Sealed>; newest: Map<string, Sealed> }> {
    const indexed = async (order: string): Promise<Map<string, Sealed>> => {
      const rows = await this.query<{ chain: string; chain_seq: string; hash: string; at: Date; checkpoint_no: string }>(
        `SELECT DISTINCT ON (chain) chain, chain_seq, hash, at, checkpoint_no FROM ${this.s}.audit_checkpoint_heads
          WHERE chain = ANY($1::text[]) AND checkpoint_no <> ALL($2::bigint[]) ORDER BY chain, ${order}`,
        [chains, [...this.logHeads.keys()]],
      );
      return new Map(rows.map((r) => [r.chain, { no: Number(r.checkpoint_no), seq: Number(r.chain_seq), hash: r.hash, at: r.at }]));
    };
    const highest = await indexed('chain_seq DESC, checkpoint_no DESC');
    const newest = await indexed('checkpoint_no DESC');
    const wanted = new Set(chains);
    for (const [no, heads] of this.logHeads) {
      for (const [chain, seq, hash, at] of heads) {
        if (!wanted.has(chain)) continue;
        const seal = { no, seq, hash, at: new Date(at) };
        const top = highest.get(chain);
        if (top === undefined || higher(seal, top)) highest.set(chain, seal);
        if ((newest.get(chain)?.no ?? 0) < no) newest.set(chain, seal);
      }
    }
    for (const [chain, last] of newest) {
      const top = highest.get(chain)!;
      if (last.seq < top.seq) this.findings.bad(chain, last.seq + 1, setBack(last, top), last.at);
    }
    return { highest, newest };
  }

  /**
   * Every seal of the chains but the highest (ChainCheck checks that one) against the record at its position: a
   * record there with another hash was replaced after the seal, e.g. re-written by the hub itself after the
   * database's owner set the chain's head back (the new records carry valid MACs; only the older seal tells).
   * A missing record is ChainCheck's gap (or pruned). From the index where it matches the log, else from the log.
   */
  private async checkOlderSeals(chains: string[], highest: Map<string, Sealed>): Promise<void> {
    const replaced = await this.query<{ chain: string; chain_seq: string; at: Date; checkpoint_no: string }>(
      `SELECT h.chain, h.chain_seq, h.at, h.checkpoint_no FROM ${this.s}.audit_checkpoint_heads h
        WHERE h.chain = ANY($1::text[]) AND h.checkpoint_no <> ALL($2::bigint[])
          AND EXISTS (SELECT 1 FROM ${this.s}.audit a WHERE a.chain = h.chain AND a.chain_seq = h.chain_seq)
          AND NOT EXISTS (SELECT 1 FROM ${this.s}.audit a WHERE a.chain = h.chain AND a.chain_seq = h.chain_seq AND a.hash = h.hash)`,
      [chains, [...this.logHeads.keys()]],
    );
    const seals = replaced.map((r) => ({ chain: r.chain, no: Number(r.checkpoint_no), seq: Number(r.chain_seq), at: r.at }));
    const wanted = new Set(chains);
    const fromLog = [...this.logHeads].flatMap(([no, heads]) => heads.filter((h) => wanted.has(h[0])).map(([chain, seq, hash, at]) => ({ chain, no, seq, hash, at: new Date(at) })));
    if (fromLog.length > 0) {
      const present = await this.query<{ chain: string; chain_seq: string; hash: string }>(
        `SELECT chain, chain_seq, hash FROM ${this.s}.audit WHERE (chain, chain_seq) IN (SELECT * FROM unnest($1::text[], $2::bigint[]))`,
        [fromLog.map((h) => h.chain), fromLog.map((h) => h.seq)],
      );
      for (const seal of fromLog) {
        const there = present.filter((r) => r.chain === seal.chain && Number(r.chain_seq) === seal.seq);
        if (there.length > 0 && !there.some((r) => r.hash === seal.hash)) seals.push(seal);
      }
    }
    for (const seal of seals) {
      if (highest.get(seal.chain)?.no !== seal.no) this.findings.bad(seal.chain, seal.seq, `differs from what checkpoint ${seal.no} sealed`, seal.at);
    }
  }

  /**
   * The chains' markers in the log against the checkpoints that sealed them (from the index where it matches the
   * log, else from the log): a checkpoint with markers that sealed a chain without its marker would let an evidence
   * bundle anchor to an older one; a marker that names a checkpoint not sealing the chain was not written by the hub.
   * The index's seals stream in batches (a hub chain is sealed by nearly every checkpoint); one chain's marker
   * numbers are in memory at a time.
   */
  private async checkMarkers(chains: string[]): Promise<void> {
    const wanted = new Set(chains);
    const fromLog = new Map<string, Array<{ no: number; seq: number; at: Date }>>();
    for (const [no, heads] of this.logHeads) {
      for (const [chain, seq, , at] of heads) if (wanted.has(chain)) fromLog.set(chain, [...(fromLog.get(chain) ?? []), { no, seq, at: new Date(at) }]);
    }
    const finish = async (check: MarkerCheck): Promise<void> => {
      wanted.delete(check.chain);
      for (const seal of fromLog.get(check.chain) ?? []) this.sealedBy(check, seal);
      // a marker of a checkpoint newer than this run verified belongs to a checkpoint being written right now
      for (const no of check.markers) if (no <= this.verifiedUpTo) await this.unbackedMarker(check.chain, no);
    };
    let check: MarkerCheck | undefined;
    let after: [string, number] = ['', 0];
    for (;;) {
      const rows = await this.query<{ chain: string; chain_seq: string; at: Date; checkpoint_no: string }>(
        `SELECT chain, chain_seq, at, checkpoint_no FROM ${this.s}.audit_checkpoint_heads
          WHERE chain = ANY($1::text[]) AND checkpoint_no <> ALL($2::bigint[]) AND (chain, checkpoint_no) > ($3, $4)
          ORDER BY chain, checkpoint_no LIMIT $5`,
        [chains, [...this.logHeads.keys()], after[0], after[1], this.batch],
      );
      for (const r of rows) {
        if (check?.chain !== r.chain) {
          if (check) await finish(check);
          check = { chain: r.chain, markers: new Set(await chainMarkers(this.opts.log, r.chain)) };
        }
        this.sealedBy(check, { no: Number(r.checkpoint_no), seq: Number(r.chain_seq), at: r.at });
      }
      if (rows.length > 0) after = [rows[rows.length - 1]!.chain, Number(rows[rows.length - 1]!.checkpoint_no)];
      if (rows.length < this.batch) break;
    }
    if (check) await finish(check);
    // chains the index has no seal of: markers only (sealed in the log alone, or not at all)
    for (const chain of [...wanted]) await finish({ chain, markers: new Set(await chainMarkers(this.opts.log, chain)) });
  }

  /** One seal of the chain: its marker is taken off the list of those to account for, or named missing. */
  private sealedBy(check: MarkerCheck, seal: { no: number; seq: number; at: Date }): void {
    if (check.markers.delete(seal.no) || seal.no < (this.markedFrom ?? Number.POSITIVE_INFINITY)) return;
    this.findings.bad(check.chain, seal.seq, `sealed by checkpoint ${seal.no}, whose marker for this chain is missing from the checkpoint log (written by a hub of an older version beside this one, or the marker was removed): evidence bundles find that checkpoint only through the database index, which its owner can alter`, seal.at);
  }

  /** A marker of `chain` naming checkpoint `no`, which does not seal the chain: stale when it names a JWS never written, else a finding. */
  private async unbackedMarker(chain: string, no: number): Promise<void> {
    const marker = await readChainMarker(this.opts.log, chain, no);
    const text = await this.opts.log.get(checkpointName(no));
    let written: string | undefined;
    try {
      written = text === undefined ? undefined : jwsHash((JSON.parse(text) as { jws: string }).jws);
    } catch {
      // an unreadable checkpoint is verifyCheckpoints' finding
    }
    if (marker !== undefined && marker.checkpoint !== written) {
      this.staleMarkers += 1;
      return;
    }
    this.findings.bad('checkpoints', no, `checkpoint ${no}: the checkpoint log holds a marker for chain ${chain}, which this checkpoint does not seal (not written by the hub)`, undefined);
  }

  /** Streams every record of the given chains (whole chains, whatever the scope's time) and checks them. */
  private async verifyChains(chains: string[]): Promise<void> {
    await this.checkMarkers(chains);
    const { highest: sealed } = await this.sealedHeads(chains);
    await this.checkOlderSeals(chains, sealed);
    let check: ChainCheck | undefined;
    // seq breaks ties: a record inserted at a taken position comes after the original, and paging never skips it
    let after: [string, number, number] = ['', 0, 0];
    for (;;) {
      const rows = await this.query<AuditDbRow>(
        `SELECT * FROM ${this.s}.audit WHERE chain = ANY($1::text[]) AND (chain, chain_seq, seq) > ($2, $3, $4)
          ORDER BY chain, chain_seq, seq LIMIT $5`,
        [chains, after[0], after[1], after[2], this.batch],
      );
      for (const row of rows) {
        const record = toAuditRecord(row);
        if (check?.chain !== record.chain) {
          if (check) this.finish(check);
          check = new ChainCheck(record.chain, sealed.get(record.chain), this.opts.keys, this.findings, this.prunedBefore);
        }
        check.feed(record);
        this.checked += 1;
      }
      if (rows.length > 0) {
        const last = rows[rows.length - 1]!;
        after = [last.chain, Number(last.chain_seq), Number(last.seq)];
        this.opts.onProgress?.({ checked: this.checked, estimate: this.estimate });
      }
      if (rows.length < this.batch) break;
    }
    if (check) this.finish(check);
  }

  private finish(check: ChainCheck): void {
    const result = check.finish();
    this.chains += 1;
    this.total += result.total;
    this.unanchored += result.unanchored;
    this.pruned += result.pruned;
  }

  /** Chains a checkpoint sealed that have no record left at all: deleted whole, or pruned by retention. */
  private async findVanishedChains(): Promise<void> {
    for (let after = ''; ; ) {
      const rows = await this.query<{ chain: string; chain_seq: string; at: Date; checkpoint_no: string }>(
        `SELECT DISTINCT ON (h.chain) h.chain, h.chain_seq, h.at, h.checkpoint_no FROM ${this.s}.audit_checkpoint_heads h
          WHERE h.chain > $1
            AND ($3::text IS NULL OR h.chain IN (SELECT 'submission:' || submission_id FROM ${this.s}.submissions WHERE tenant_id = $3))
            AND ($4::timestamptz IS NULL OR h.at >= $4)
            AND NOT EXISTS (SELECT 1 FROM ${this.s}.audit a WHERE a.chain = h.chain)
          ORDER BY h.chain, h.checkpoint_no DESC LIMIT $2`,
        [after, CHAINS_PER_PAGE, this.opts.tenant ?? null, this.opts.since ?? null],
      );
      for (const r of rows) this.vanished(r.chain, { no: Number(r.checkpoint_no), seq: Number(r.chain_seq), at: r.at });
      if (rows.length < CHAINS_PER_PAGE) break;
      after = rows[rows.length - 1]!.chain;
    }
    await this.findVanishedChainsInTheLog();
  }

  /**
   * Chains that the log's copy of an altered checkpoint sealed and that have neither records nor any row in the index
   * left: deleted whole together with their index rows. The altered checkpoint is named already; this names the chain.
   */
  private async findVanishedChainsInTheLog(): Promise<void> {
    const highest = new Map<string, { no: number; seq: number; at: Date }>();
    for (const [no, heads] of this.logHeads) {
      for (const [chain, seq, , at] of heads) if ((highest.get(chain)?.seq ?? 0) < seq) highest.set(chain, { no, seq, at: new Date(at) });
    }
    if (highest.size === 0) return;
    const { tenant, since } = this.opts;
    const present = await this.query<{ chain: string }>(
      `SELECT c.chain FROM unnest($1::text[]) AS c (chain)
        WHERE EXISTS (SELECT 1 FROM ${this.s}.audit a WHERE a.chain = c.chain)
           OR EXISTS (SELECT 1 FROM ${this.s}.audit_checkpoint_heads h WHERE h.chain = c.chain)
           OR ($2::text IS NOT NULL AND c.chain NOT IN (SELECT 'submission:' || submission_id FROM ${this.s}.submissions WHERE tenant_id = $2))`,
      [[...highest.keys()], tenant ?? null],
    );
    for (const { chain } of present) highest.delete(chain);
    for (const [chain, seal] of highest) if (since === undefined || seal.at >= since) this.vanished(chain, seal);
  }

  /** A chain sealed up to `seal` with no record left: pruned when retention announced it, else deleted. */
  private vanished(chain: string, seal: { no: number; seq: number; at: Date }): void {
    this.total += seal.seq;
    if (this.prunedBefore && seal.at < this.prunedBefore) this.pruned += seal.seq;
    else this.findings.gap({ chain, fromSeq: 1, toSeq: seal.seq, reason: `all records deleted (sealed by checkpoint ${seal.no})` });
  }

  private verdict(checkpoints: AuditVerdict['checkpoints']): AuditVerdict {
    const f = this.findings;
    const ok = f.problems === 0 && f.gapCount === 0;
    const firstBad = f.firstBad ? { chain: f.firstBad.chain, seq: f.firstBad.seq, reason: f.firstBad.reason } : undefined;
    const missing = f.gaps.reduce((n, g) => n + g.toSeq - g.fromSeq + 1, 0);
    const anchor = checkpoints.latest
      ? `newest checkpoint ${checkpoints.latest.no} of ${checkpoints.latest.issuedAt}`
      : 'no checkpoint yet, so removal of the newest records cannot be detected';
    const parts = [
      ok ? `audit intact: ${this.checked} of ${this.total} records in ${this.chains} chains checked` : `audit NOT intact: ${this.checked} of ${this.total} records in ${this.chains} chains checked`,
      // a checkpoint's reason names the checkpoint itself ("checkpoint 4: …"); "checkpoints #4" would say it twice
      firstBad?.chain === 'checkpoints' ? `first bad checkpoint: ${firstBad.reason}` : undefined,
      firstBad && firstBad.chain !== 'checkpoints' ? `first bad record: ${firstBad.chain} #${firstBad.seq}: ${firstBad.reason}` : undefined,
      f.problems > 1 ? `${f.problems} bad records or checkpoints in all` : undefined,
      f.gapCount > 0 ? `${f.gapCount} gap(s), ${missing}${f.gapCount > f.gaps.length ? '+' : ''} records missing, first: ${describeGap(f.gaps[0]!)}` : undefined,
      this.pruned > 0 && this.prunedBefore ? `${this.pruned} records pruned by retention before ${this.prunedBefore.toISOString()}` : undefined,
      `${checkpoints.verified} checkpoint(s) verified, ${anchor}`,
      this.unanchored > 0 ? `${this.unanchored} record(s) newer than their chain's last checkpoint` : undefined,
      this.staleMarkers > 0 ? `${this.staleMarkers} chain marker(s) left by a checkpoint writer that died before its checkpoint (harmless)` : undefined,
    ];
    return {
      ok,
      checked: this.checked,
      total: this.total,
      chains: this.chains,
      unanchored: this.unanchored,
      pruned: this.pruned,
      problems: f.problems,
      ...(firstBad ? { firstBad } : {}),
      ...(f.gapCount > 0 ? { gaps: f.gaps } : {}),
      checkpoints,
      ...(this.staleMarkers > 0 ? { staleMarkers: this.staleMarkers } : {}),
      message: parts.filter((p) => p !== undefined).join('; '),
    };
  }
}

function describeGap(g: AuditGap): string {
  return `${g.chain} #${g.fromSeq}${g.toSeq > g.fromSeq ? `–#${g.toSeq}` : ''}: ${g.reason}`;
}

/** Whether seal `a` reaches further than `b` (or as far, in a newer checkpoint). */
function higher(a: Sealed, b: Sealed): boolean {
  return a.seq > b.seq || (a.seq === b.seq && a.no > b.no);
}

/** Why a chain's newest seal lies below its highest: its head was set back in the database after the higher seal. */
function setBack(newest: Sealed, highest: Sealed): string {
  return `checkpoint ${newest.no} sealed the chain only up to #${newest.seq} after checkpoint ${highest.no} had sealed it up to #${highest.seq}: its head was set back in the database (records deleted or re-written)`;
}

function sameHeads(a: readonly CheckpointHead[], b: readonly CheckpointHead[]): boolean {
  if (a.length !== b.length) return false;
  const key = (h: CheckpointHead): string => JSON.stringify(h);
  const set = new Set(a.map(key));
  return b.every((h) => set.has(key(h)));
}

/** Checks one chain record by record, in chain order. */
class ChainCheck {
  private expected = 1;
  private prevHash = GENESIS_HASH;
  private unanchored = 0;
  private pruned = 0;

  constructor(
    readonly chain: string,
    private readonly sealed: Sealed | undefined,
    private readonly keys: AuditKeys,
    private readonly findings: Findings,
    private readonly prunedBefore: Date | undefined,
    /** The chain's other seals (the evidence check has them all; verifyAudit checks those in one query). */
    private readonly otherSeals: readonly Sealed[] = [],
  ) {}

  feed(r: AuditRecord): void {
    const bad = (reason: string): void => this.findings.bad(this.chain, r.chainSeq, reason, r.at);
    if (r.chainSeq < this.expected) {
      bad(`a second record at position ${r.chainSeq} (inserted)`);
      this.checkContent(r, bad);
      return;
    }
    if (r.chainSeq > this.expected) {
      const count = r.chainSeq - this.expected;
      if (this.expected === 1 && this.prunedBefore && r.at >= this.prunedBefore) {
        this.pruned += count;
      } else {
        this.findings.gap({ chain: this.chain, fromSeq: this.expected, toSeq: r.chainSeq - 1, reason: 'records missing (deleted)' });
      }
      // the predecessor is gone: go on from this record's own link
      this.prevHash = r.prevHash;
    } else if (r.prevHash !== this.prevHash) {
      bad(`does not link to record #${r.chainSeq - 1} (records inserted, removed or reordered before it)`);
    }
    this.checkContent(r, bad);
    for (const seal of this.otherSeals) if (seal.seq === r.chainSeq && seal.hash !== r.hash) bad(`differs from what checkpoint ${seal.no} sealed`);
    const legacy = this.chain === LEGACY_CHAIN;
    if (this.sealed) {
      if (r.chainSeq === this.sealed.seq && r.hash !== this.sealed.hash) bad(`differs from what checkpoint ${this.sealed.no} sealed`);
      if (r.chainSeq > this.sealed.seq) {
        if (legacy) bad(`appended to the legacy chain after checkpoint ${this.sealed.no} closed it`);
        this.unanchored += 1;
      }
    } else {
      this.unanchored += 1;
    }
    this.expected = r.chainSeq + 1;
    this.prevHash = r.hash;
  }

  /** The record's hash against its content, and its MAC (the legacy chain has none). */
  private checkContent(r: AuditRecord, bad: (reason: string) => void): void {
    const legacy = this.chain === LEGACY_CHAIN;
    if ((legacy ? legacyAuditHash : auditHash)(r.prevHash, r) !== r.hash) {
      bad('content changed: the hash does not match the record');
    } else if (!legacy) {
      if (!r.kid || !r.mac) bad('no MAC: not written by the hub');
      else if (!this.keys.checkMac(r.kid, macInput(r.hash), r.mac)) {
        bad(this.keys.mac(r.kid, '') === undefined ? `MAC by an unknown evidence key (${r.kid})` : 'MAC invalid: forged, or re-chained without the evidence key');
      }
    }
  }

  finish(): { total: number; unanchored: number; pruned: number } {
    const last = this.expected - 1;
    const sealedSeq = this.sealed?.seq ?? 0;
    if (this.sealed && last < sealedSeq) {
      const count = sealedSeq - last;
      if (this.prunedBefore && this.sealed.at < this.prunedBefore) this.pruned += count;
      else this.findings.gap({ chain: this.chain, fromSeq: last + 1, toSeq: sealedSeq, reason: `newest records deleted (sealed by checkpoint ${this.sealed.no})` });
    }
    return { total: Math.max(last, sealedSeq), unanchored: this.unanchored, pruned: this.pruned };
  }
}
