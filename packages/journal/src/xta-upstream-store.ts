import type { Pool } from 'pg';
import { SchemaStore } from './schema-store.js';
import { withTransaction } from './with-transaction.js';

/** What one XTA upstream's polls found, as every replica reads it. */
export interface XtaUpstreamStatusRow {
  readonly upstreamId: string;
  readonly lastPollAt?: Date;
  readonly lastSuccessAt?: Date;
  readonly lastError?: { readonly at: Date; readonly message: string };
  /** Messages still waiting in the upstream box after the last successful poll. */
  readonly backlog: number;
  /** When the oldest of those was delivered to the box (its DeliveryAttributes), if known. */
  readonly oldestPendingAt?: Date;
  readonly overdue: number;
}

interface StatusDbRow {
  upstream_id: string;
  last_poll_at: Date | null;
  last_success_at: Date | null;
  last_error_at: Date | null;
  last_error_message: string | null;
  backlog: number;
  oldest_pending_at: Date | null;
  overdue: number;
}

/** Poll state of the XTA upstreams (migration 0016) and the lock that lets one replica poll a box at a time. */
export class XtaUpstreamStore extends SchemaStore {
  private readonly lockPool: Pool;

  /** `lockPool`: where poll locks hold their connection for a whole poll (default: the store's pool). */
  constructor(opts: { pool: Pool; schema: string; lockPool?: Pool }) {
    super(opts);
    this.lockPool = opts.lockPool ?? opts.pool;
  }

  /**
   * Runs `fn` while this process holds the upstream's poll lock: a transaction-level advisory lock, so it
   * is released when the transaction ends or the process dies (no lease to expire), and it works through a
   * pooler in transaction mode. Another replica polling the same box gets `{ locked: false }` at once.
   * The lock's connection stays checked out for the poll: give busy hubs a `lockPool` of their own.
   */
  async withPollLock<T>(upstreamId: string, fn: () => Promise<T>): Promise<{ locked: true; value: T } | { locked: false }> {
    return withTransaction(this.lockPool, async (client) => {
      const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`, [`weiche.xta-upstream.${this.s}.${upstreamId}`]);
      if (rows[0]?.locked !== true) return { locked: false as const };
      return { locked: true as const, value: await fn() };
    });
  }

  /** A poll started (the console shows polls that never finish). */
  async recordPollStart(upstreamId: string): Promise<void> {
    await this.query(
      `INSERT INTO ${this.s}.xta_upstream_status (upstream_id, last_poll_at) VALUES ($1, now())
       ON CONFLICT (upstream_id) DO UPDATE SET last_poll_at = now()`,
      [upstreamId],
    );
  }

  /** A poll finished: what still waits upstream. */
  async recordSuccess(upstreamId: string, found: { backlog: number; oldestPendingAt?: Date | undefined; overdue: number }): Promise<void> {
    await this.query(
      `INSERT INTO ${this.s}.xta_upstream_status (upstream_id, last_poll_at, last_success_at, backlog, oldest_pending_at, overdue) VALUES ($1, now(), now(), $2, $3, $4)
       ON CONFLICT (upstream_id) DO UPDATE SET last_success_at = now(), backlog = $2, oldest_pending_at = $3, overdue = $4`,
      [upstreamId, found.backlog, found.oldestPendingAt ?? null, found.overdue],
    );
  }

  /** A poll (or one message of it) failed; the message names no personal data. */
  async recordError(upstreamId: string, message: string): Promise<void> {
    await this.query(
      `INSERT INTO ${this.s}.xta_upstream_status (upstream_id, last_poll_at, last_error_at, last_error_message) VALUES ($1, now(), now(), $2)
       ON CONFLICT (upstream_id) DO UPDATE SET last_error_at = now(), last_error_message = $2`,
      [upstreamId, message.slice(0, 500)],
    );
  }

  /** The recorded state of the given upstreams (an upstream never polled yet has no row). */
  async status(upstreamIds: readonly string[]): Promise<Map<string, XtaUpstreamStatusRow>> {
    const rows = await this.query<StatusDbRow>(`SELECT * FROM ${this.s}.xta_upstream_status WHERE upstream_id = ANY($1::text[])`, [upstreamIds]);
    return new Map(
      rows.map((r) => [
        r.upstream_id,
        {
          upstreamId: r.upstream_id,
          ...(r.last_poll_at ? { lastPollAt: r.last_poll_at } : {}),
          ...(r.last_success_at ? { lastSuccessAt: r.last_success_at } : {}),
          ...(r.last_error_at ? { lastError: { at: r.last_error_at, message: r.last_error_message ?? '' } } : {}),
          backlog: r.backlog,
          ...(r.oldest_pending_at ? { oldestPendingAt: r.oldest_pending_at } : {}),
          overdue: r.overdue,
        },
      ]),
    );
  }
}
