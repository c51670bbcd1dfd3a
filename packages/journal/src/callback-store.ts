import { appendAudit } from './audit-chain.js';
import { SchemaStore } from './schema-store.js';
import { withTransaction } from './with-transaction.js';

/** Audit stage of a callback that reached the sender or was given up. */
export const CALLBACK_STAGE = 'callback';
const ACTOR = 'hub:callbacks';

export type CallbackState = 'PENDING' | 'SENT' | 'GIVEN_UP';

/** One callback owed to a sender for one event of its case (table `callbacks`, migration 0014). */
export interface CallbackRow {
  jti: string;
  submissionId: string;
  eventName: string;
  state: CallbackState;
  attempts: number;
  /** Why the last attempt failed, or why it was given up: never the secret, never a response body. */
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  finishedAt: Date | null;
}

interface CallbackDbRow {
  jti: string;
  submission_id: string;
  event_name: string;
  state: CallbackState;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  last_attempt_at: Date | null;
  finished_at: Date | null;
}

function toCallback(r: CallbackDbRow): CallbackRow {
  return {
    jti: r.jti,
    submissionId: r.submission_id,
    eventName: r.event_name,
    state: r.state,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    lastAttemptAt: r.last_attempt_at,
    finishedAt: r.finished_at,
  };
}

/**
 * SQL ending a statement whose CTE `events` returned the events it just wrote (jti, submission_id,
 * event_name): inserts the callbacks owed for them when `notify` (a boolean SQL expression) holds, so a
 * callback is written in the same statement as its event, and only for an event that was written.
 */
export function insertCallbackSql(s: string, events: string, notify: string): string {
  return `INSERT INTO ${s}.callbacks (jti, submission_id, event_name) SELECT jti, submission_id, event_name FROM ${events} WHERE ${notify} ON CONFLICT DO NOTHING`;
}

/** The callbacks the hub owes senders: what is pending, what was sent, what was given up and why. */
export class CallbackStore extends SchemaStore {
  async get(jti: string): Promise<CallbackRow | undefined> {
    const rows = await this.query<CallbackDbRow>(`SELECT * FROM ${this.s}.callbacks WHERE jti = $1`, [jti]);
    return rows[0] ? toCallback(rows[0]) : undefined;
  }

  /** Pending callbacks, oldest first: the reconciler re-enqueues those without a live job. */
  async listPending(limit: number): Promise<CallbackRow[]> {
    const rows = await this.query<CallbackDbRow>(`SELECT * FROM ${this.s}.callbacks WHERE state = 'PENDING' ORDER BY created_at LIMIT $1`, [limit]);
    return rows.map(toCallback);
  }

  /** Callbacks for operators, newest first, with the submission's tenant; optionally of one state, submission or set of tenants. */
  async list(opts: { state?: CallbackState; submissionId?: string; tenantIds?: readonly string[]; limit: number; offset: number }): Promise<{ total: number; items: Array<CallbackRow & { tenantId: string | null }> }> {
    const from = `${this.s}.callbacks c LEFT JOIN ${this.s}.submissions s ON s.submission_id = c.submission_id
      WHERE ($1::text IS NULL OR c.state = $1) AND ($2::text IS NULL OR c.submission_id = $2) AND ($3::text[] IS NULL OR s.tenant_id = ANY($3))`;
    const params = [opts.state ?? null, opts.submissionId ?? null, opts.tenantIds ? [...opts.tenantIds] : null];
    const count = await this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from}`, params);
    const rows = await this.query<CallbackDbRow & { tenant_id: string | null }>(`SELECT c.*, s.tenant_id FROM ${from} ORDER BY c.created_at DESC, c.jti OFFSET $4 LIMIT $5`, [
      ...params,
      opts.offset,
      opts.limit,
    ]);
    return { total: count[0]?.n ?? 0, items: rows.map((r) => ({ ...toCallback(r), tenantId: r.tenant_id })) };
  }

  /** Counts per state, for metrics and the console. */
  async counts(): Promise<Record<CallbackState, number>> {
    const rows = await this.query<{ state: CallbackState; n: number }>(`SELECT state, count(*)::int AS n FROM ${this.s}.callbacks GROUP BY state`);
    const counts: Record<CallbackState, number> = { PENDING: 0, SENT: 0, GIVEN_UP: 0 };
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  /** Records a failed attempt (still pending). */
  async recordFailure(jti: string, error: string): Promise<void> {
    await this.query(`UPDATE ${this.s}.callbacks SET attempts = attempts + 1, last_error = $2, last_attempt_at = now() WHERE jti = $1 AND state = 'PENDING'`, [jti, error]);
  }

  /** The receiver answered 2xx: SENT, with an audit record of what the sender was told. False when it was no longer pending. */
  async markSent(jti: string): Promise<boolean> {
    return this.finish(jti, 'SENT', null);
  }

  /** Too old to keep trying (or nothing to send): GIVEN_UP with the reason, in the audit too; `attempted` when a POST failed just now. */
  async giveUp(jti: string, reason: string, opts: { attempted: boolean } = { attempted: false }): Promise<boolean> {
    return this.finish(jti, 'GIVEN_UP', reason, opts.attempted);
  }

  private async finish(jti: string, state: Exclude<CallbackState, 'PENDING'>, reason: string | null, attempted = true): Promise<boolean> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<CallbackDbRow>(
        `UPDATE ${this.s}.callbacks
            SET state = $2, finished_at = now(), last_attempt_at = now(),
                attempts = attempts + CASE WHEN $4 THEN 1 ELSE 0 END,
                last_error = COALESCE($3, last_error)
          WHERE jti = $1 AND state = 'PENDING' RETURNING *`,
        [jti, state, reason, attempted],
      );
      const row = rows[0];
      if (!row) return false;
      await appendAudit(client, this.s, {
        submissionId: row.submission_id,
        actor: ACTOR,
        stage: CALLBACK_STAGE,
        details: { event: row.event_name, jti, outcome: state === 'SENT' ? 'sent' : 'given-up', attempts: row.attempts, ...(reason ? { reason } : {}) },
      });
      return true;
    });
  }
}
