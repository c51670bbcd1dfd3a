import type { Pool } from 'pg';
import { SchemaStore } from './schema-store.js';
import { withTransaction } from './with-transaction.js';

/** What the journal knows of one upstream: its last poll outcome and what it still waits for. */
export interface UpstreamRecord {
  readonly lastPollAt?: Date;
  readonly lastSuccessAt?: Date;
  readonly lastError?: { readonly at: Date; readonly message: string };
  /** Picked-up submissions whose outcome is not yet acknowledged upstream. */
  readonly backlog: number;
  /** Creation time of the oldest of them (when the upstream did not tell the submission time). */
  readonly oldestUnacknowledgedAt?: Date;
  /** Of them, how many are older than the overdue threshold. */
  readonly overdue: number;
  /** What the last poll that read the upstream's list saw there but could not take in (XTA: entries left in the box), and since when the oldest waits. */
  readonly waitingUpstream?: { readonly count: number; readonly since?: Date };
  /** Closes sent again for entries listed after their close (XTA), since the journal began. */
  readonly recloses: number;
  /** Entries closed again MANY_RECLOSES times or more, the last time within RECLOSE_RECENT_HOURS: the intermediary does not take their close. */
  readonly closeNotTaken: number;
}

/** Re-closes of one entry from which the operator is told (a warning, the admin API's closeNotTaken). */
export const MANY_RECLOSES = 5;
/**
 * An entry closed again within this many hours is taken as still listed: re-closes back off to about an hour at
 * most, so one not re-closed for longer has left the box.
 */
const RECLOSE_RECENT_HOURS = 2;
/** Close rows are kept this long after the last close: one listed again later is closed, and audited, once more. */
const CLOSE_KEEP_DAYS = 7;

/** What the journal holds of a box entry's close (XTA upstream, migration 0021). */
export interface UpstreamClose {
  /** How often it was closed again since the first close. */
  readonly recloses: number;
  /** Listed now, it is due for another close (its backoff has run out). */
  readonly due: boolean;
}

/** What a poll that read the upstream's list left there, and since when the oldest of it waits. */
export interface WaitingUpstream {
  count: number;
  since?: Date | undefined;
}

/**
 * One poll's start, success or error (a message without personal data); either end may tell what the poll left
 * upstream (a pass that read the list but failed for some entries knows how many it left).
 */
export type PollOutcome =
  | { phase: 'start' }
  | { phase: 'success'; waitingUpstream?: WaitingUpstream }
  | { phase: 'error'; message: string; waitingUpstream?: WaitingUpstream; failures?: FailureCounts };

/** Failed calls of a poll per kind of failure (a bounded set of names the caller owns; never ids or content). */
export type FailureCounts = Readonly<Record<string, number>>;

interface PollDbRow {
  upstream_id: string;
  last_poll_at: Date | null;
  last_success_at: Date | null;
  last_error_at: Date | null;
  last_error: string | null;
  waiting_upstream: number | null;
  waiting_upstream_since: Date | null;
}

/**
 * Upstream connections (migrations 0012, 0016, 0021), one source for every kind: poll outcomes are upserted by the
 * pollers, which take the upstream's poll lock where one replica at a time must poll; backlog and ages are
 * counted from the submissions carrying `channel_meta.upstreamId`. The age of a submission is taken from
 * `channel_meta.upstreamSubmittedAt` (when the sender submitted it upstream — the Zustelldienst's clocks run
 * from there) and else from when the hub picked it up.
 */
export class UpstreamStore extends SchemaStore {
  private readonly lockPool: Pool;

  /** `lockPool`: where poll locks hold their connection for a whole poll (default: the store's pool). */
  constructor(opts: { pool: Pool; schema: string; lockPool?: Pool }) {
    super(opts);
    this.lockPool = opts.lockPool ?? opts.pool;
  }

  /**
   * Runs `fn` while this process holds the upstream's poll lock: a transaction-level advisory lock, so it is
   * released when the transaction ends or the process dies (no lease to expire), and it works through a pooler
   * in transaction mode. Another replica polling the same upstream gets `{ locked: false }` at once. The lock's
   * connection stays checked out for the poll: give busy hubs a `lockPool` of their own.
   */
  async withPollLock<T>(upstreamId: string, fn: () => Promise<T>): Promise<{ locked: true; value: T } | { locked: false }> {
    return withTransaction(this.lockPool, async (client) => {
      const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`, [`weiche.upstream.${this.s}.${upstreamId}`]);
      if (rows[0]?.locked !== true) return { locked: false as const };
      return { locked: true as const, value: await fn() };
    });
  }

  /** Records the start of a poll, and then its success or its error (a message without personal data). */
  async recordPoll(upstreamId: string, kind: string, outcome: PollOutcome): Promise<void> {
    const [end, params]: [string, unknown[]] =
      outcome.phase === 'start'
        ? ['last_poll_at = now(), polls = polls + 1', []]
        : outcome.phase === 'error'
          ? ['last_error_at = now(), last_error = $3', [outcome.message.slice(0, 500)]]
          : ['last_success_at = now()', []];
    const waiting = outcome.phase !== 'start' ? outcome.waitingUpstream : undefined;
    const set = waiting === undefined ? end : `${end}, waiting_upstream = $${params.length + 3}, waiting_upstream_since = $${params.length + 4}`;
    if (waiting !== undefined) params.push(waiting.count, waiting.since ?? null);
    await this.query(
      `INSERT INTO ${this.s}.upstream_polls (upstream_id, kind) VALUES ($1, $2)
       ON CONFLICT (upstream_id) DO NOTHING`,
      [upstreamId, kind],
    );
    await this.query(`UPDATE ${this.s}.upstream_polls SET ${set} WHERE upstream_id = $1 AND kind = $2`, [upstreamId, kind, ...params]);
    const failures = outcome.phase === 'error' ? Object.entries(outcome.failures ?? {}).filter(([, n]) => n > 0) : [];
    if (failures.length > 0) {
      await this.query(
        `INSERT INTO ${this.s}.upstream_failures (upstream_id, kind, failures)
         SELECT $1, f.kind, f.n FROM unnest($2::text[], $3::bigint[]) AS f(kind, n)
         ON CONFLICT (upstream_id, kind) DO UPDATE SET failures = upstream_failures.failures + EXCLUDED.failures`,
        [upstreamId, failures.map(([k]) => k), failures.map(([, n]) => n)],
      );
    }
  }

  /**
   * The closes the journal holds of the given MessageIDs of an upstream box; an entry without one was never closed
   * (or not within CLOSE_KEEP_DAYS). Due: the upstream's poll count has reached the entry's next close.
   */
  async closes(upstreamId: string, messageIds: readonly string[]): Promise<Map<string, UpstreamClose>> {
    if (messageIds.length === 0) return new Map();
    const rows = await this.query<{ message_id: string; recloses: number; due: boolean }>(
      `SELECT c.message_id, c.recloses, COALESCE(p.polls, 0) >= c.next_close_poll AS due
         FROM ${this.s}.upstream_closes c LEFT JOIN ${this.s}.upstream_polls p ON p.upstream_id = c.upstream_id
        WHERE c.upstream_id = $1 AND c.message_id = ANY($2::text[])`,
      [upstreamId, messageIds],
    );
    return new Map(rows.map((r) => [r.message_id, { recloses: r.recloses, due: r.due }]));
  }

  /** Records the first close of a box entry, due again on the upstream's next poll; a close recorded before stays as it is. */
  async recordClose(upstreamId: string, messageId: string): Promise<void> {
    await this.query(
      `INSERT INTO ${this.s}.upstream_closes (upstream_id, message_id, next_close_poll)
       SELECT $1, $2, COALESCE((SELECT polls FROM ${this.s}.upstream_polls WHERE upstream_id = $1), 0) + 1
       ON CONFLICT (upstream_id, message_id) DO NOTHING`,
      [upstreamId, messageId],
    );
  }

  /**
   * Records a close sent again for an entry listed after its close, and when the next is due: after 2^recloses of the
   * upstream's polls, at most `maxPolls`. Counted for the upstream too. Returns the entry's re-closes so far.
   */
  async recordReclose(upstreamId: string, messageId: string, maxPolls: number): Promise<number> {
    const rows = await this.query<{ recloses: number }>(
      `WITH p AS (UPDATE ${this.s}.upstream_polls SET recloses = recloses + 1 WHERE upstream_id = $1 RETURNING polls)
       UPDATE ${this.s}.upstream_closes c
          SET recloses = c.recloses + 1, last_closed_at = now(),
              next_close_poll = p.polls + LEAST(power(2, LEAST(c.recloses + 1, 30))::bigint, $3::bigint)
         FROM p WHERE c.upstream_id = $1 AND c.message_id = $2
       RETURNING c.recloses`,
      [upstreamId, messageId, Math.max(1, Math.floor(maxPolls))],
    );
    return rows[0]?.recloses ?? 0;
  }

  /** Forgets the closes of an upstream not sent for CLOSE_KEEP_DAYS (entries that left the box). */
  async pruneCloses(upstreamId: string): Promise<void> {
    await this.query(`DELETE FROM ${this.s}.upstream_closes WHERE upstream_id = $1 AND last_closed_at < now() - make_interval(days => ${CLOSE_KEEP_DAYS})`, [upstreamId]);
  }

  /** Failed calls per kind of failure recorded for each given upstream since the journal began (kinds never met are absent). */
  async failureCounts(upstreamIds: readonly string[]): Promise<Map<string, FailureCounts>> {
    const rows = await this.query<{ upstream_id: string; kind: string; failures: string }>(
      `SELECT upstream_id, kind, failures FROM ${this.s}.upstream_failures WHERE upstream_id = ANY($1::text[])`,
      [upstreamIds],
    );
    const byId = new Map<string, Record<string, number>>();
    for (const r of rows) byId.set(r.upstream_id, { ...byId.get(r.upstream_id), [r.kind]: Number(r.failures) });
    return byId;
  }

  /** The record of each given upstream id (ones never polled have only their backlog). */
  async records(upstreamIds: readonly string[], overdueAfterSeconds: number): Promise<Map<string, UpstreamRecord>> {
    const polls = await this.query<PollDbRow>(`SELECT * FROM ${this.s}.upstream_polls WHERE upstream_id = ANY($1::text[])`, [upstreamIds]);
    const waiting = await this.query<{ upstream_id: string; backlog: number; oldest: Date | null; overdue: number }>(
      `WITH w AS (
         SELECT channel_meta->>'upstreamId' AS upstream_id,
                COALESCE((channel_meta->>'upstreamSubmittedAt')::timestamptz, created_at) AS since
           FROM ${this.s}.submissions
          WHERE acknowledged_at IS NULL AND channel_meta ? 'upstreamId' AND channel_meta->>'upstreamId' = ANY($1::text[]))
       SELECT upstream_id, count(*)::int AS backlog, min(since) AS oldest,
              count(*) FILTER (WHERE since < now() - make_interval(secs => $2::double precision))::int AS overdue
         FROM w GROUP BY upstream_id`,
      [upstreamIds, overdueAfterSeconds],
    );
    // one statement, so the count and the entries agree (a re-close updates both at once)
    const closes = await this.query<{ upstream_id: string; recloses: string; not_taken: number }>(
      `SELECT p.upstream_id, p.recloses,
              (SELECT count(*)::int FROM ${this.s}.upstream_closes c
                WHERE c.upstream_id = p.upstream_id AND c.recloses >= $2 AND c.last_closed_at > now() - make_interval(hours => $3)) AS not_taken
         FROM ${this.s}.upstream_polls p WHERE p.upstream_id = ANY($1::text[])`,
      [upstreamIds, MANY_RECLOSES, RECLOSE_RECENT_HOURS],
    );
    const byId = new Map<string, UpstreamRecord>();
    for (const id of upstreamIds) {
      const p = polls.find((r) => r.upstream_id === id);
      const w = waiting.find((r) => r.upstream_id === id);
      const c = closes.find((r) => r.upstream_id === id);
      byId.set(id, {
        ...(p?.last_poll_at ? { lastPollAt: p.last_poll_at } : {}),
        ...(p?.last_success_at ? { lastSuccessAt: p.last_success_at } : {}),
        ...(p?.last_error_at && p.last_error !== null ? { lastError: { at: p.last_error_at, message: p.last_error } } : {}),
        backlog: w?.backlog ?? 0,
        ...(w?.oldest ? { oldestUnacknowledgedAt: w.oldest } : {}),
        overdue: w?.overdue ?? 0,
        recloses: Number(c?.recloses ?? 0),
        closeNotTaken: c?.not_taken ?? 0,
        ...(p?.waiting_upstream != null ? { waitingUpstream: { count: p.waiting_upstream, ...(p.waiting_upstream_since ? { since: p.waiting_upstream_since } : {}) } } : {}),
      });
    }
    return byId;
  }
}
