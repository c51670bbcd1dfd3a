import { SchemaStore } from './schema-store.js';
import type { PoolClient } from 'pg';
import { ErrorCode, WeicheError, canTransition, type SubmissionState } from '@weiche/core';
import { appendAudit } from './audit-chain.js';
import { isForeignKeyViolation, isUniqueViolation } from './journal-error.js';
import {
  JSON_PATCH_FIELDS,
  PATCH_COLUMNS,
  toDelivery,
  toSubmission,
  type DeliveryDbRow,
  type DeliveryRow,
  type SubmissionDbRow,
  type SubmissionPatch,
  type SubmissionProblem,
  type SubmissionRow,
} from './rows.js';
import { toAuditRecord, type AuditDbRow, type AuditRecord } from './audit-rows.js';
import { withTransaction } from './with-transaction.js';
import { insertCallback } from './callback-store.js';

/** States the reconciler must look after: accepted for processing, not yet terminal. */
const UNFINISHED: readonly SubmissionState[] = ['RECEIVED', 'OPENED', 'MAPPED', 'ROUTED', 'DELIVERING'];
/** States from which finishing all routes completes the submission. */
const DELIVERING: readonly SubmissionState[] = ['ROUTED', 'DELIVERING'];
/** Outcomes a channel acknowledges to the sender; FAILED waits for an operator. */
const ACKNOWLEDGED: readonly SubmissionState[] = ['DELIVERED', 'REJECTED'];

/** One entry of a case's event log (a signed SET), written in the same transaction as a state change. */
export interface EventInput {
  caseId: string;
  submissionId: string;
  eventName: string;
  jti: string;
  token: string;
  /** The sender asked to be told of new events (FIT-Connect callback): a callback row is owed with the event. */
  notifySender?: boolean;
}

export interface CreateSubmissionInput {
  submissionId: string;
  tenantId: string;
  channel: string;
  /** The channel's own identifier of the message (unique per channel; a repeat is CONFLICT). */
  channelRef: string;
  channelMeta: unknown;
  serviceIdentifier: string;
  serviceName?: string;
  /** CREATED when the channel takes parts before the sender submits (FIT-Connect), else RECEIVED. */
  state: Extract<SubmissionState, 'CREATED' | 'RECEIVED'>;
  actor: string;
  /** Hash of what was received (audit input hash). */
  inputHash?: string | undefined;
  /** Audit details: ids and counts only, never content or secrets. */
  details?: Record<string, unknown>;
  events?: EventInput[];
}

export interface TransitionInput {
  from: SubmissionState[];
  to: SubmissionState;
  actor: string;
  stage: string;
  // `| undefined` accepted so callers can pass an optional hash straight through
  inputHash?: string | undefined;
  outputHash?: string | undefined;
  details?: Record<string, unknown> | undefined;
  patch?: SubmissionPatch;
  deliveries?: Array<{ routeId: string; adapterInstance: string; target: string }>;
  /** Event log entries the sender is owed with this state (written atomically with it). */
  events?: EventInput[];
}

function assertTransition(from: SubmissionState, to: SubmissionState): void {
  if (!canTransition(from, to)) throw new WeicheError(ErrorCode.INTERNAL, `illegal transition ${from} → ${to}`);
}

function notFound(what: string): WeicheError {
  return new WeicheError(ErrorCode.NOT_FOUND, `${what} not found`, { status: 404 });
}

/** Postgres journal: submissions, attachments, deliveries, case events and the audit chains (verified by verifyAudit). */

/** Thrown inside Journal.transitions to roll back the steps before one that did not apply (a WeicheError, so withTransaction passes it through). */
class StepDidNotApply extends WeicheError {
  constructor() {
    super(ErrorCode.CONFLICT, 'a transition step found the submission in another state');
  }
}

export class Journal extends SchemaStore {
  /** Inserts a submission (CREATED or RECEIVED) with its intake audit record and events, in one transaction. */
  async createSubmission(input: CreateSubmissionInput): Promise<SubmissionRow> {
    const s = this.s;
    try {
      return await withTransaction(this.pool, async (client) => {
        const { rows } = await client.query<SubmissionDbRow>(
          `INSERT INTO ${s}.submissions (submission_id, tenant_id, channel, channel_ref, channel_meta, service_identifier, service_name, state, submitted_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 = 'RECEIVED' THEN now() END) RETURNING *`,
          [
            input.submissionId,
            input.tenantId,
            input.channel,
            input.channelRef,
            JSON.stringify(input.channelMeta),
            input.serviceIdentifier,
            input.serviceName ?? null,
            input.state,
          ],
        );
        await this.insertEvents(client, input.events);
        // ids and counts only: never a callback secret, never form content
        await appendAudit(client, s, {
          submissionId: input.submissionId,
          actor: input.actor,
          stage: 'intake',
          fromState: null,
          toState: input.state,
          inputHash: input.inputHash,
          details: { channel: input.channel, tenantId: input.tenantId, serviceIdentifier: input.serviceIdentifier, ...input.details },
        });
        return toSubmission(rows[0]!);
      });
    } catch (error) {
      if (error instanceof WeicheError && isUniqueViolation(error.cause)) {
        throw new WeicheError(ErrorCode.CONFLICT, `a ${input.channel} submission with this reference already exists`, { status: 409 });
      }
      throw error;
    }
  }

  /** Reads one submission. */
  async getSubmission(submissionId: string): Promise<SubmissionRow | undefined> {
    const rows = await this.query<SubmissionDbRow>(`SELECT * FROM ${this.s}.submissions WHERE submission_id = $1`, [
      submissionId,
    ]);
    return rows[0] ? toSubmission(rows[0]) : undefined;
  }

  /** The submission a channel knows by its own reference (e.g. an XTA MessageID). */
  async findByChannelRef(channel: string, channelRef: string): Promise<SubmissionRow | undefined> {
    const rows = await this.query<SubmissionDbRow>(`SELECT * FROM ${this.s}.submissions WHERE channel = $1 AND channel_ref = $2`, [channel, channelRef]);
    return rows[0] ? toSubmission(rows[0]) : undefined;
  }

  /** The submission that opened a case (the first in its event log, should a case hold several); for ownership checks. */
  async findSubmissionByCase(caseId: string): Promise<SubmissionRow | undefined> {
    return (await this.findCase(caseId))?.submission;
  }

  /**
   * The submission a case belongs to and how many events its log holds, in one statement: a sender's
   * event-log poll that finds nothing new costs this one query (see countEvents).
   */
  async findCase(caseId: string): Promise<{ submission: SubmissionRow; eventCount: number } | undefined> {
    const rows = await this.query<SubmissionDbRow & { event_count: number }>(
      `SELECT s.*, (SELECT count(*)::int FROM ${this.s}.events c WHERE c.case_id = $1) AS event_count FROM ${this.s}.submissions s
        WHERE s.submission_id = (SELECT e.submission_id FROM ${this.s}.events e WHERE e.case_id = $1 ORDER BY e.seq LIMIT 1)`,
      [caseId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const { event_count: eventCount, ...submission } = row;
    return { submission: toSubmission(submission), eventCount };
  }

  /**
   * Upserts an uploaded attachment (a re-upload before submit replaces the blob key). Only while the
   * submission is CREATED: the share lock makes a concurrent submit wait, so no upload slips in after it.
   */
  async recordAttachment(input: { submissionId: string; attachmentId: string; blobKey: string; size: number }): Promise<void> {
    const s = this.s;
    await withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ state: SubmissionState }>(
        `SELECT state FROM ${s}.submissions WHERE submission_id = $1 FOR SHARE`,
        [input.submissionId],
      );
      const state = rows[0]?.state;
      if (state === undefined) throw notFound(`submission ${input.submissionId}`);
      if (state !== 'CREATED') {
        throw new WeicheError(ErrorCode.CONFLICT, `submission ${input.submissionId} is ${state}; attachments are closed`, {
          status: 409,
        });
      }
      await client.query(
        `INSERT INTO ${s}.attachments (submission_id, attachment_id, blob_key, size) VALUES ($1, $2, $3, $4)
         ON CONFLICT (submission_id, attachment_id)
         DO UPDATE SET blob_key = EXCLUDED.blob_key, size = EXCLUDED.size, uploaded_at = now()`,
        [input.submissionId, input.attachmentId, input.blobKey, input.size],
      );
    });
  }

  /** Lists the uploaded attachments of a submission, ordered by attachment id. */
  async listAttachments(
    submissionId: string,
  ): Promise<Array<{ attachmentId: string; blobKey: string; size: number; uploadedAt: Date }>> {
    const rows = await this.query<{ attachment_id: string; blob_key: string; size: string; uploaded_at: Date }>(
      `SELECT attachment_id, blob_key, size, uploaded_at FROM ${this.s}.attachments WHERE submission_id = $1 ORDER BY attachment_id`,
      [submissionId],
    );
    return rows.map((r) => ({ attachmentId: r.attachment_id, blobKey: r.blob_key, size: Number(r.size), uploadedAt: r.uploaded_at }));
  }

  /**
   * Moves a submission from one of `from` to `to` (checked with canTransition; an illegal pair throws INTERNAL),
   * applies `patch`, inserts delivery rows (PENDING) and one audit record, all in one transaction. Returns
   * undefined and writes nothing when the row is not in `from`, which keeps concurrent workers and redeliveries idempotent.
   * Re-routing a FAILED submission resets its FAILED deliveries to PENDING and leaves DELIVERED ones alone.
   */
  async transition(submissionId: string, t: TransitionInput): Promise<SubmissionRow | undefined> {
    return this.transitions(submissionId, [t]);
  }

  /**
   * Several transitions of one submission in one transaction (e.g. MAPPED then ROUTED): each its own state
   * change and audit record, as if done one after the other, but one commit. All or nothing: when a step
   * finds the row in another state, nothing is written and undefined is returned. Returns the last row.
   */
  async transitions(submissionId: string, steps: readonly TransitionInput[]): Promise<SubmissionRow | undefined> {
    for (const t of steps) {
      if (t.from.length === 0) throw new WeicheError(ErrorCode.INTERNAL, 'transition needs at least one from-state');
      for (const from of t.from) assertTransition(from, t.to);
    }
    return withTransaction(this.pool, async (client) => {
      let row: SubmissionRow | undefined;
      for (const t of steps) {
        row = await this.#applyTransition(client, submissionId, t);
        // ROLLBACK, not COMMIT, of the steps before: all or nothing
        if (!row) throw new StepDidNotApply();
      }
      return row;
    }).catch((error: unknown) => {
      if (error instanceof StepDidNotApply) return undefined;
      throw error;
    });
  }

  async #applyTransition(client: PoolClient, submissionId: string, t: TransitionInput): Promise<SubmissionRow | undefined> {
    const s = this.s;
    // the row lock tells us the old state for the audit record and holds it until commit
    const current = await client.query<{ state: SubmissionState }>(
      `SELECT state FROM ${s}.submissions WHERE submission_id = $1 FOR UPDATE`,
      [submissionId],
    );
    const fromState = current.rows[0]?.state;
    if (fromState === undefined || !t.from.includes(fromState)) return undefined;

    const sets = ['state = $3', 'updated_at = now()'];
    const params: unknown[] = [submissionId, t.from, t.to];
    for (const [field, column] of Object.entries(PATCH_COLUMNS) as Array<[keyof SubmissionPatch, string]>) {
      if (!t.patch || !Object.hasOwn(t.patch, field) || t.patch[field] === undefined) continue;
      const value = t.patch[field];
      params.push(JSON_PATCH_FIELDS.has(field) && value !== null ? JSON.stringify(value) : value);
      sets.push(`${column} = $${params.length}`);
    }
    const { rows } = await client.query<SubmissionDbRow>(
      `UPDATE ${s}.submissions SET ${sets.join(', ')} WHERE submission_id = $1 AND state = ANY($2::text[]) RETURNING *`,
      params,
    );
    const row = rows[0];
    if (!row) return undefined;

    await this.insertEvents(client, t.events);
    for (const d of t.deliveries ?? []) {
      await client.query(
        `INSERT INTO ${s}.deliveries (submission_id, route_id, adapter_instance, target, state)
         VALUES ($1, $2, $3, $4, 'PENDING')
         ON CONFLICT (submission_id, route_id) DO UPDATE
           SET adapter_instance = EXCLUDED.adapter_instance, target = EXCLUDED.target, state = 'PENDING',
               last_error = NULL, updated_at = now()
           WHERE ${s}.deliveries.state <> 'DELIVERED'`,
        [submissionId, d.routeId, d.adapterInstance, d.target],
      );
    }
    await appendAudit(client, s, {
      submissionId,
      actor: t.actor,
      stage: t.stage,
      fromState,
      toState: t.to,
      inputHash: t.inputHash,
      outputHash: t.outputHash,
      details: t.details,
    });
    return toSubmission(row);
  }

  /**
   * Records once who processes the submission (issue 15): the owner itself, or the back office of a delegation
   * with an audit record naming it. A second call changes nothing and returns the row as decided before, so a
   * replay or a later change of the delegations never re-routes it.
   */
  async recordProcessingTenant(
    submissionId: string,
    input: { processingTenantId: string; delegationId?: string; actor: string; details?: Record<string, unknown> },
  ): Promise<SubmissionRow | undefined> {
    const s = this.s;
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<SubmissionDbRow>(
        `UPDATE ${s}.submissions SET processing_tenant = $2, delegation_id = $3 WHERE submission_id = $1 AND processing_tenant IS NULL RETURNING *`,
        [submissionId, input.processingTenantId, input.delegationId ?? null],
      );
      const row = rows[0];
      if (!row) {
        const current = await client.query<SubmissionDbRow>(`SELECT * FROM ${s}.submissions WHERE submission_id = $1`, [submissionId]);
        return current.rows[0] ? toSubmission(current.rows[0]) : undefined;
      }
      // the owner processing its own needs no evidence beyond its routes; a hand-over to another tenant does
      if (input.delegationId !== undefined) {
        await appendAudit(client, s, {
          submissionId,
          actor: input.actor,
          stage: 'delegate',
          details: { delegationId: input.delegationId, tenantId: row.tenant_id, processingTenantId: input.processingTenantId, ...input.details },
        });
      }
      return toSubmission(row);
    });
  }

  /** Lists the delivery routes of a submission, ordered by route id. */
  async listDeliveries(submissionId: string): Promise<DeliveryRow[]> {
    const rows = await this.query<DeliveryDbRow>(
      `SELECT * FROM ${this.s}.deliveries WHERE submission_id = $1 ORDER BY route_id`,
      [submissionId],
    );
    return rows.map(toDelivery);
  }

  /**
   * Records one delivery attempt in delivery_attempts and bumps the route's attempts/last_error (a success
   * clears last_error). Also touches the submission's updated_at, so the reconciler sees it is being worked on.
   */
  async recordAttempt(input: {
    submissionId: string;
    routeId: string;
    attempt: number;
    outcome: 'success' | 'transient' | 'permanent';
    error?: string;
    receipt?: Record<string, unknown>;
    /** How long adapter.deliver took; absent when the attempt never reached the adapter. */
    durationMs?: number;
  }): Promise<void> {
    const s = this.s;
    try {
      await withTransaction(this.pool, async (client) => {
        // lock order everywhere: submission row, then delivery row, then the audit chain's head row
        await client.query(`UPDATE ${s}.submissions SET updated_at = now() WHERE submission_id = $1`, [input.submissionId]);
        await client.query(
          `INSERT INTO ${s}.delivery_attempts (submission_id, route_id, attempt, outcome, error, receipt, duration_ms)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            input.submissionId,
            input.routeId,
            input.attempt,
            input.outcome,
            input.error ?? null,
            input.receipt ? JSON.stringify(input.receipt) : null,
            input.durationMs === undefined ? null : Math.max(0, Math.round(input.durationMs)),
          ],
        );
        await client.query(
          `UPDATE ${s}.deliveries
              SET attempts = attempts + 1,
                  last_error = CASE WHEN $3 = 'success' THEN NULL ELSE $4 END,
                  updated_at = now()
            WHERE submission_id = $1 AND route_id = $2`,
          [input.submissionId, input.routeId, input.outcome, input.error ?? null],
        );
      });
    } catch (error) {
      if (error instanceof WeicheError && isForeignKeyViolation(error.cause)) {
        throw notFound(`delivery ${input.submissionId}/${input.routeId}`);
      }
      throw error;
    }
  }

  /** Lists all delivery attempts of a submission in the order they were recorded. */
  async listAttempts(
    submissionId: string,
  ): Promise<Array<{ routeId: string; attempt: number; outcome: string; error: string | null; at: Date }>> {
    const rows = await this.query<{ route_id: string; attempt: number; outcome: string; error: string | null; at: Date }>(
      `SELECT route_id, attempt, outcome, error, at FROM ${this.s}.delivery_attempts WHERE submission_id = $1 ORDER BY id`,
      [submissionId],
    );
    return rows.map((r) => ({ routeId: r.route_id, attempt: r.attempt, outcome: r.outcome, error: r.error, at: r.at }));
  }

  /**
   * Marks the route DELIVERED with its receipt (no-op if it already is) and, in the same transaction, moves
   * the submission from ROUTED/DELIVERING to DELIVERED (+ audit) once every route is DELIVERED. The submission
   * row lock (FOR UPDATE) serializes routes finishing at once, so exactly one of them sees "all delivered".
   */
  async completeDelivery(input: {
    submissionId: string;
    routeId: string;
    receipt: Record<string, unknown>;
    actor: string;
  }): Promise<{ submissionState: SubmissionState; allDelivered: boolean; changed: boolean }> {
    const s = this.s;
    return withTransaction(this.pool, async (client) => {
      const state = await this.lockSubmission(client, input.submissionId);
      const delivery = await this.lockDelivery(client, input.submissionId, input.routeId);
      let changed = false;
      if (delivery.state !== 'DELIVERED') {
        await client.query(
          `UPDATE ${s}.deliveries SET state = 'DELIVERED', receipt = $3, delivered_at = now(), last_error = NULL, updated_at = now()
            WHERE submission_id = $1 AND route_id = $2`,
          [input.submissionId, input.routeId, JSON.stringify(input.receipt)],
        );
        changed = true;
      }
      const allDelivered = await this.allDelivered(client, input.submissionId);
      let submissionState = state;
      if (allDelivered && DELIVERING.includes(state)) {
        assertTransition(state, 'DELIVERED');
        await client.query(`UPDATE ${s}.submissions SET state = 'DELIVERED', updated_at = now() WHERE submission_id = $1`, [
          input.submissionId,
        ]);
        submissionState = 'DELIVERED';
        changed = true;
        await appendAudit(client, s, {
          submissionId: input.submissionId,
          actor: input.actor,
          stage: 'deliver',
          fromState: state,
          toState: 'DELIVERED',
          details: { routeId: input.routeId, adapterInstance: delivery.adapterInstance },
        });
      } else if (changed) {
        // one route done, others pending: still evidence, but not a state transition
        await appendAudit(client, s, {
          submissionId: input.submissionId,
          actor: input.actor,
          stage: 'deliver-route',
          details: { routeId: input.routeId, adapterInstance: delivery.adapterInstance },
        });
      }
      return { submissionState, allDelivered, changed };
    });
  }

  /** Marks the route FAILED with the reason and moves the submission to FAILED (dead letter) + audit, in one transaction. */
  async failDelivery(input: { submissionId: string; routeId: string; reason: string; actor: string; problem?: SubmissionProblem }): Promise<{ changed: boolean }> {
    const s = this.s;
    return withTransaction(this.pool, async (client) => {
      const state = await this.lockSubmission(client, input.submissionId);
      const delivery = await this.lockDelivery(client, input.submissionId, input.routeId);
      let routeChanged = false;
      // a route that was confirmed delivered stays delivered: the receipt is the stronger evidence
      if (delivery.state === 'PENDING') {
        await client.query(
          `UPDATE ${s}.deliveries SET state = 'FAILED', last_error = $3, updated_at = now() WHERE submission_id = $1 AND route_id = $2`,
          [input.submissionId, input.routeId, input.reason],
        );
        routeChanged = true;
      }
      const moves = DELIVERING.includes(state);
      if (moves) {
        assertTransition(state, 'FAILED');
        await client.query(
          `UPDATE ${s}.submissions SET state = 'FAILED', reason = $2, problem = $3, updated_at = now() WHERE submission_id = $1`,
          [input.submissionId, input.reason, JSON.stringify(input.problem ?? { code: 'WEICHE_ERR_DELIVERY_PERMANENT', stage: 'deliver', detail: input.reason })],
        );
      }
      if (moves || routeChanged) {
        await appendAudit(client, s, {
          submissionId: input.submissionId,
          actor: input.actor,
          stage: 'dead-letter',
          fromState: moves ? state : null,
          toState: moves ? 'FAILED' : null,
          details: { routeId: input.routeId, adapterInstance: delivery.adapterInstance, reason: input.reason },
        });
      }
      return { changed: moves || routeChanged };
    });
  }

  private async lockSubmission(client: PoolClient, submissionId: string): Promise<SubmissionState> {
    const { rows } = await client.query<{ state: SubmissionState }>(
      `SELECT state FROM ${this.s}.submissions WHERE submission_id = $1 FOR UPDATE`,
      [submissionId],
    );
    const state = rows[0]?.state;
    if (state === undefined) throw notFound(`submission ${submissionId}`);
    return state;
  }

  private async lockDelivery(
    client: PoolClient,
    submissionId: string,
    routeId: string,
  ): Promise<{ state: DeliveryRow['state']; adapterInstance: string }> {
    const { rows } = await client.query<{ state: DeliveryRow['state']; adapter_instance: string }>(
      `SELECT state, adapter_instance FROM ${this.s}.deliveries WHERE submission_id = $1 AND route_id = $2 FOR UPDATE`,
      [submissionId, routeId],
    );
    const row = rows[0];
    if (!row) throw notFound(`delivery ${submissionId}/${routeId}`);
    return { state: row.state, adapterInstance: row.adapter_instance };
  }

  private async allDelivered(client: PoolClient, submissionId: string): Promise<boolean> {
    const { rows } = await client.query<{ total: number; open: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE state <> 'DELIVERED')::int AS open
         FROM ${this.s}.deliveries WHERE submission_id = $1`,
      [submissionId],
    );
    const r = rows[0];
    return r !== undefined && r.total > 0 && r.open === 0;
  }

  /** Appends a Security Event Token to the case event log; a repeated jti or event name is ignored (idempotent redelivery). */
  async appendEvent(input: EventInput): Promise<void> {
    await withTransaction(this.pool, (client) => this.insertEvents(client, [input]));
  }

  private async insertEvents(client: PoolClient, events: readonly EventInput[] | undefined): Promise<void> {
    for (const e of events ?? []) {
      const inserted = await client.query(
        `INSERT INTO ${this.s}.events (case_id, submission_id, event_name, jti, token) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [e.caseId, e.submissionId, e.eventName, e.jti, e.token],
      );
      // a callback only for an event that was written (a repeated one was told already)
      if (e.notifySender && inserted.rowCount === 1) await insertCallback(client, this.s, e);
    }
  }

  /**
   * Records that the channel told the sender (or the upstream) the final outcome, with an audit record
   * naming what it sent. Once per submission: a second call changes nothing and returns false.
   */
  async markAcknowledged(submissionId: string, input: { actor: string; details: Record<string, unknown> }): Promise<boolean> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ state: SubmissionState }>(
        `UPDATE ${this.s}.submissions SET acknowledged_at = now() WHERE submission_id = $1 AND acknowledged_at IS NULL
            AND state = ANY($2::text[]) RETURNING state`,
        [submissionId, ACKNOWLEDGED],
      );
      if (!rows[0]) return false;
      await appendAudit(client, this.s, { submissionId, actor: input.actor, stage: 'acknowledge', details: { state: rows[0].state, ...input.details } });
      return true;
    });
  }

  /** Finished submissions (DELIVERED, REJECTED) whose outcome the channel has not acknowledged yet, untouched for `olderThanMs`. */
  /** Submissions still CREATED (never submitted) and untouched for `olderThanMs`: abandoned by their sender. */
  async listAbandoned(opts: { olderThanMs: number; limit: number }): Promise<SubmissionRow[]> {
    assertPaging(0, opts.limit);
    const rows = await this.query<SubmissionDbRow>(
      `SELECT * FROM ${this.s}.submissions
        WHERE state = 'CREATED' AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY updated_at LIMIT $2`,
      [opts.olderThanMs, opts.limit],
    );
    return rows.map(toSubmission);
  }

  async listUnacknowledged(opts: { olderThanMs: number; limit: number }): Promise<SubmissionRow[]> {
    assertPaging(0, opts.limit);
    const rows = await this.query<SubmissionDbRow>(
      `SELECT * FROM ${this.s}.submissions
        WHERE acknowledged_at IS NULL AND state = ANY($1::text[]) AND updated_at < now() - make_interval(secs => $2::double precision / 1000)
        ORDER BY updated_at LIMIT $3`,
      [ACKNOWLEDGED, opts.olderThanMs, opts.limit],
    );
    return rows.map(toSubmission);
  }

  /** Case event log (SETs as compact JWS strings), in insertion order, one page at a time. */
  async listEvents(caseId: string, opts: { offset: number; limit: number }): Promise<{ totalCount: number; tokens: string[] }> {
    return { totalCount: await this.countEvents(caseId), tokens: await this.eventTokens(caseId, opts) };
  }

  /** One page of a case's event log (SETs as compact JWS strings), in insertion order. */
  async eventTokens(caseId: string, opts: { offset: number; limit: number }): Promise<string[]> {
    assertPaging(opts.offset, opts.limit);
    const rows = await this.query<{ token: string }>(
      `SELECT token FROM ${this.s}.events WHERE case_id = $1 ORDER BY seq OFFSET $2 LIMIT $3`,
      [caseId, opts.offset, opts.limit],
    );
    return rows.map((r) => r.token);
  }

  /**
   * How many events the case has. The log is append-only and ordered, so this count fixes the content of
   * every page: the sender API's ETag is built from it, and a poll that changed nothing reads no tokens.
   * (findCase returns it with the case's submission.)
   */
  async countEvents(caseId: string): Promise<number> {
    const rows = await this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.s}.events WHERE case_id = $1`, [caseId]);
    return rows[0]?.n ?? 0;
  }

  /** The events (SETs) recorded for one submission, in the order written: what its sender was told. */
  async listSubmissionEvents(submissionId: string): Promise<Array<{ eventName: string; token: string; at: Date }>> {
    const rows = await this.query<{ event_name: string; token: string; created_at: Date }>(
      `SELECT event_name, token, created_at FROM ${this.s}.events WHERE submission_id = $1 ORDER BY seq`,
      [submissionId],
    );
    return rows.map((r) => ({ eventName: r.event_name, token: r.token, at: r.created_at }));
  }

  /** True when an event of that name was recorded for the submission. */
  async hasEvent(submissionId: string, eventName: string): Promise<boolean> {
    const rows = await this.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${this.s}.events WHERE submission_id = $1 AND event_name = $2) AS found`,
      [submissionId, eventName],
    );
    return rows[0]?.found === true;
  }

  /** Non-terminal submissions the reconciler must look at: state RECEIVED..DELIVERING, untouched for `olderThanMs`, oldest first. */
  async listUnfinished(opts: { olderThanMs: number; limit: number }): Promise<SubmissionRow[]> {
    assertPaging(0, opts.limit);
    const rows = await this.query<SubmissionDbRow>(
      `SELECT * FROM ${this.s}.submissions
        WHERE state = ANY($1::text[]) AND updated_at < now() - make_interval(secs => $2::double precision / 1000)
        ORDER BY updated_at LIMIT $3`,
      [UNFINISHED, opts.olderThanMs, opts.limit],
    );
    return rows.map(toSubmission);
  }

  /** Appends an audit record that is not a state transition (e.g. operator action, delivery attempt). */
  async audit(input: {
    submissionId?: string;
    /** For a record without a submission: the tenant it concerns (auditors scoped to that tenant see it). */
    tenantId?: string;
    actor: string;
    stage: string;
    inputHash?: string | undefined;
    outputHash?: string | undefined;
    details?: Record<string, unknown> | undefined;
  }): Promise<void> {
    await withTransaction(this.pool, (client) =>
      appendAudit(client, this.s, {
        submissionId: input.submissionId ?? null,
        tenantId: input.tenantId ?? null,
        actor: input.actor,
        stage: input.stage,
        inputHash: input.inputHash,
        outputHash: input.outputHash,
        details: input.details,
      }),
    );
  }

  /** Lists audit records in insertion order (global seq), optionally for one submission and after a sequence number. */
  async listAudit(opts: { submissionId?: string; afterSeq?: number; limit: number }): Promise<AuditRecord[]> {
    assertPaging(0, opts.limit);
    const rows = await this.query<AuditDbRow>(
      `SELECT * FROM ${this.s}.audit
        WHERE ($1::text IS NULL OR submission_id = $1) AND seq > $2
        ORDER BY seq LIMIT $3`,
      [opts.submissionId ?? null, opts.afterSeq ?? 0, opts.limit],
    );
    return rows.map(toAuditRecord);
  }

  /** Checks that the database answers and the journal schema is migrated; for readiness checks. */
  async ping(): Promise<void> {
    await this.query(`SELECT 1 FROM ${this.s}.schema_migrations LIMIT 1`);
  }
}

function assertPaging(offset: number, limit: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(limit) || limit < 0) {
    throw new WeicheError(ErrorCode.BAD_REQUEST, 'offset and limit must be non-negative integers', { status: 400 });
  }
}
