import { SchemaStore } from './schema-store.js';

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
}

interface PollDbRow {
  upstream_id: string;
  last_poll_at: Date | null;
  last_success_at: Date | null;
  last_error_at: Date | null;
  last_error: string | null;
}

/**
 * Upstream connections (migration 0012): poll outcomes are upserted by the poller; backlog and ages are
 * counted from the submissions carrying `channel_meta.upstreamId`. The age of a submission is taken from
 * `channel_meta.upstreamSubmittedAt` (when the sender submitted it upstream — the Zustelldienst's clocks run
 * from there) and else from when the hub picked it up.
 */
export class UpstreamStore extends SchemaStore {
  /** Records the start of a poll, and then its success or its error (a message without personal data). */
  async recordPoll(upstreamId: string, kind: string, outcome: { phase: 'start' } | { phase: 'success' } | { phase: 'error'; message: string }): Promise<void> {
    const set =
      outcome.phase === 'start'
        ? 'last_poll_at = now()'
        : outcome.phase === 'success'
          ? 'last_success_at = now()'
          : 'last_error_at = now(), last_error = $3';
    await this.query(
      `INSERT INTO ${this.s}.upstream_polls (upstream_id, kind) VALUES ($1, $2)
       ON CONFLICT (upstream_id) DO NOTHING`,
      [upstreamId, kind],
    );
    await this.query(`UPDATE ${this.s}.upstream_polls SET ${set} WHERE upstream_id = $1 AND kind = $2`, outcome.phase === 'error' ? [upstreamId, kind, outcome.message.slice(0, 500)] : [upstreamId, kind]);
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
    const byId = new Map<string, UpstreamRecord>();
    for (const id of upstreamIds) {
      const p = polls.find((r) => r.upstream_id === id);
      const w = waiting.find((r) => r.upstream_id === id);
      byId.set(id, {
        ...(p?.last_poll_at ? { lastPollAt: p.last_poll_at } : {}),
        ...(p?.last_success_at ? { lastSuccessAt: p.last_success_at } : {}),
        ...(p?.last_error_at && p.last_error !== null ? { lastError: { at: p.last_error_at, message: p.last_error } } : {}),
        backlog: w?.backlog ?? 0,
        ...(w?.oldest ? { oldestUnacknowledgedAt: w.oldest } : {}),
        overdue: w?.overdue ?? 0,
      });
    }
    return byId;
  }
}
