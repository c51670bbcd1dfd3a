import { SchemaStore } from './schema-store.js';
import type { PoolClient } from 'pg';
import { ErrorCode, WeicheError, canTransition, type SubmissionState } from '@weiche/core';
import { appendAudit, appendAuditAt, headForUpdateSql, headOf, lockHead, newHeadCte, submissionChain, type AuditHead, type HeadColumns } from './audit-chain.js';
import { isForeignKeyViolation, isUniqueViolation, toJournalError } from './journal-error.js';
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
import { insertCallbackSql } from './callback-store.js';

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

/** An uploaded attachment as the journal records it. */
export interface AttachmentRow {
  attachmentId: string;
  blobKey: string;
  size: number;
  uploadedAt: Date;
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
  /**
   * The state stands or falls with its events: when one is not written (its jti, or its name for this submission,
   * is in the log already, e.g. a concurrent SET with the same jti), nothing of the step is and EventNotWritten is
   * thrown. Without it a repeated event is ignored (an idempotent replay of the hub's own events).
   */
  eventsRequired?: boolean;
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

/**
 * CTEs that write `events` (in order) and the callbacks owed for them, once per row of the CTE `subject`
 * (the submission row the statement wrote; none when it wrote none), so events go in the same statement as
 * the state they belong to. A repeated jti or event name is ignored, and owes no callback. Parameters are
 * appended to `params`; returns the SQL to put after the statement's other CTEs (empty for no events).
 */
function eventCtes(s: string, subject: string, events: readonly EventInput[] | undefined, params: unknown[]): string {
  if (!events || events.length === 0) return '';
  const column = (values: unknown[]): string => {
    params.push(values);
    return `$${params.length}::text[]`;
  };
  const arrays = [
    column(events.map((e) => e.caseId)),
    column(events.map((e) => e.submissionId)),
    column(events.map((e) => e.eventName)),
    column(events.map((e) => e.jti)),
    column(events.map((e) => e.token)),
  ];
  const notify = column(events.filter((e) => e.notifySender).map((e) => e.jti));
  return `,
    event AS (
      INSERT INTO ${s}.events (case_id, submission_id, event_name, jti, token)
      SELECT e.case_id, e.submission_id, e.event_name, e.jti, e.token
        FROM ${subject}, unnest(${arrays.join(', ')}) WITH ORDINALITY AS e(case_id, submission_id, event_name, jti, token, n)
       ORDER BY e.n
      ON CONFLICT DO NOTHING RETURNING jti, submission_id, event_name),
    callback AS (${insertCallbackSql(s, 'event', `jti = ANY(${notify})`)})`;
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

/** A step with `eventsRequired` whose events were not all written (a jti or event name already in the log): rolled back. */
export class EventNotWritten extends WeicheError {
  override readonly name = 'EventNotWritten';

  constructor(readonly jtis: readonly string[]) {
    super(ErrorCode.CONFLICT, 'an event of the transition is in the event log already (its jti or its name); nothing was written', { status: 409, retryable: false });
  }
}

export class Journal extends SchemaStore {
  /**
   * Inserts a submission (CREATED or RECEIVED) with its intake audit record and events, in one transaction.
   * The insert also creates and locks the new chain's head (one statement), so the audit record needs one more.
   */
  async createSubmission(input: CreateSubmissionInput): Promise<SubmissionRow> {
    const s = this.s;
    const chain = submissionChain(input.submissionId);
    try {
      return await withTransaction(this.pool, async (client) => {
        const params: unknown[] = [
          input.submissionId,
          input.tenantId,
          input.channel,
          input.channelRef,
          JSON.stringify(input.channelMeta),
          input.serviceIdentifier,
          input.serviceName ?? null,
          input.state,
          chain,
        ];
        const { rows } = await client.query<SubmissionDbRow & HeadColumns>(
          `WITH created AS (
             INSERT INTO ${s}.submissions (submission_id, tenant_id, channel, channel_ref, channel_meta, service_identifier, service_name, state, submitted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 = 'RECEIVED' THEN now() END) RETURNING *),
           ${newHeadCte(s, '$9::text', 'created')}${eventCtes(s, 'created', input.events, params)}
           SELECT created.*, head.* FROM created, head`,
          params,
        );
        const { head_seq, head_hash, ...row } = rows[0]!;
        // ids and counts only: never a callback secret, never form content
        await appendAuditAt(client, s, headOf({ head_seq, head_hash }, chain, row.tenant_id)!, {
          submissionId: input.submissionId,
          actor: input.actor,
          stage: 'intake',
          fromState: null,
          toState: input.state,
          inputHash: input.inputHash,
          details: { channel: input.channel, tenantId: input.tenantId, serviceIdentifier: input.serviceIdentifier, ...input.details },
        });
        return toSubmission(row);
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
   * One statement, so no transaction of its own: the lock and the upsert commit together.
   */
  async recordAttachment(input: { submissionId: string; attachmentId: string; blobKey: string; size: number }): Promise<void> {
    const s = this.s;
    const rows = await this.query<{ state: SubmissionState }>(
      `WITH sub AS (SELECT state FROM ${s}.submissions WHERE submission_id = $1 FOR SHARE),
       upserted AS (
         INSERT INTO ${s}.attachments (submission_id, attachment_id, blob_key, size)
         SELECT $1, $2, $3, $4 FROM sub WHERE sub.state = 'CREATED'
         ON CONFLICT (submission_id, attachment_id)
         DO UPDATE SET blob_key = EXCLUDED.blob_key, size = EXCLUDED.size, uploaded_at = now())
       SELECT state FROM sub`,
      [input.submissionId, input.attachmentId, input.blobKey, input.size],
    );
    const state = rows[0]?.state;
    if (state === undefined) throw notFound(`submission ${input.submissionId}`);
    if (state !== 'CREATED') {
      throw new WeicheError(ErrorCode.CONFLICT, `submission ${input.submissionId} is ${state}; attachments are closed`, {
        status: 409,
      });
    }
  }

  /** One submission with its uploaded attachments (ordered by attachment id), in one statement. */
  async getSubmissionWithAttachments(submissionId: string): Promise<{ row: SubmissionRow; attachments: AttachmentRow[] } | undefined> {
    const rows = await this.query<SubmissionDbRow & { attachment_list: Array<{ attachment_id: string; blob_key: string; size: number; uploaded_at: string }> }>(
      `SELECT s.*, COALESCE((SELECT json_agg(json_build_object('attachment_id', a.attachment_id, 'blob_key', a.blob_key, 'size', a.size, 'uploaded_at', a.uploaded_at) ORDER BY a.attachment_id)
                               FROM ${this.s}.attachments a WHERE a.submission_id = s.submission_id), '[]') AS attachment_list
         FROM ${this.s}.submissions s WHERE s.submission_id = $1`,
      [submissionId],
    );
    const found = rows[0];
    if (!found) return undefined;
    const { attachment_list, ...row } = found;
    return {
      row: toSubmission(row),
      attachments: attachment_list.map((a) => ({ attachmentId: a.attachment_id, blobKey: a.blob_key, size: Number(a.size), uploadedAt: new Date(a.uploaded_at) })),
    };
  }

  /** Lists the uploaded attachments of a submission, ordered by attachment id. */
  async listAttachments(submissionId: string): Promise<AttachmentRow[]> {
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

  /**
   * One step: the row lock, the old state, the update, the step's events and the chain head's lock in one
   * statement (the subquery's FOR UPDATE waits for a concurrent transition and then sees its committed state;
   * the head is locked only after the submission row, the lock order everywhere), then the step's deliveries
   * and its audit record. A later step of the same transaction reads the head the step before wrote.
   */
  async #applyTransition(client: PoolClient, submissionId: string, t: TransitionInput): Promise<SubmissionRow | undefined> {
    const s = this.s;
    const chain = submissionChain(submissionId);
    const sets = ['state = $3', 'updated_at = now()'];
    const params: unknown[] = [submissionId, t.from, t.to, chain];
    for (const [field, column] of Object.entries(PATCH_COLUMNS) as Array<[keyof SubmissionPatch, string]>) {
      if (!t.patch || !Object.hasOwn(t.patch, field) || t.patch[field] === undefined) continue;
      const value = t.patch[field];
      params.push(JSON_PATCH_FIELDS.has(field) && value !== null ? JSON.stringify(value) : value);
      sets.push(`${column} = $${params.length}`);
    }
    // A step to a state that is no failure (a replay, a redelivery) leaves the failure behind: the reason and problem
    // no longer read as current in the admin API and console; the audit chain keeps the record of the failure.
    if (t.to !== 'FAILED' && t.to !== 'REJECTED') {
      for (const field of ['reason', 'problem'] as const) if (t.patch?.[field] === undefined) sets.push(`${PATCH_COLUMNS[field]} = NULL`);
    }
    const { rows } = await client.query<SubmissionDbRow & HeadColumns & { from_state: SubmissionState; events_written?: string[] | null }>(
      `WITH old AS (SELECT state FROM ${s}.submissions WHERE submission_id = $1 FOR UPDATE),
       moved AS (UPDATE ${s}.submissions s SET ${sets.join(', ')} FROM old
                  WHERE s.submission_id = $1 AND old.state = ANY($2::text[])
                  RETURNING s.*, old.state AS from_state)${eventCtes(s, 'moved', t.events, params)}
       SELECT moved.*, head.*${t.events?.length ? ', (SELECT array_agg(jti) FROM event) AS events_written' : ''} FROM moved ${headForUpdateSql(s, '$4')}`,
      params,
    );
    const updated = rows[0];
    if (!updated) return undefined;
    const { from_state: fromState, head_seq, head_hash, events_written: written, ...row } = updated;
    if (t.eventsRequired && t.events) {
      // ON CONFLICT DO NOTHING waited for a concurrent writer of the same jti and skipped ours: the whole step rolls back
      const skipped = t.events.map((e) => e.jti).filter((jti) => !(written ?? []).includes(jti));
      if (skipped.length > 0) throw new EventNotWritten(skipped);
    }

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
    const audit = {
      submissionId,
      actor: t.actor,
      stage: t.stage,
      fromState,
      toState: t.to,
      inputHash: t.inputHash,
      outputHash: t.outputHash,
      details: t.details,
    };
    // a submission from before the per-submission chains has no head row yet: lockHead creates it
    const head = headOf({ head_seq, head_hash }, chain, row.tenant_id) ?? (await lockHead(client, s, { submissionId }));
    await appendAuditAt(client, s, head, audit);
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

  /** A submission and one of its delivery routes (undefined when the submission has no such route), in one statement. */
  async getRoute(submissionId: string, routeId: string): Promise<{ row: SubmissionRow; delivery: DeliveryRow | undefined } | undefined> {
    const rows = await this.query<SubmissionDbRow & { route: (Omit<DeliveryDbRow, 'delivered_at' | 'updated_at'> & { delivered_at: string | null; updated_at: string }) | null }>(
      `SELECT s.*, (SELECT to_jsonb(d) FROM ${this.s}.deliveries d WHERE d.submission_id = s.submission_id AND d.route_id = $2) AS route
         FROM ${this.s}.submissions s WHERE s.submission_id = $1`,
      [submissionId, routeId],
    );
    const found = rows[0];
    if (!found) return undefined;
    const { route, ...row } = found;
    const delivery = route
      ? toDelivery({ ...route, delivered_at: route.delivered_at === null ? null : new Date(route.delivered_at), updated_at: new Date(route.updated_at) })
      : undefined;
    return { row: toSubmission(row), delivery };
  }

  /**
   * Marks the route DELIVERED with its receipt (no-op if it already is) and, in the same transaction, moves
   * the submission from ROUTED/DELIVERING to DELIVERED (+ audit) once every route is DELIVERED. The submission
   * row lock (FOR UPDATE) serializes routes finishing at once, so exactly one of them sees "all delivered".
   * With `attempt`, the successful attempt is recorded in the same transaction (as recordAttempt would).
   * Returns the submission as this transaction left it (updated_at aside when it did not move).
   */
  async completeDelivery(input: {
    submissionId: string;
    routeId: string;
    receipt: Record<string, unknown>;
    actor: string;
    attempt?: { attempt: number; durationMs?: number };
  }): Promise<{ submissionState: SubmissionState; allDelivered: boolean; changed: boolean; row: SubmissionRow }> {
    const s = this.s;
    return withTransaction(this.pool, async (client) => {
      const locked = await this.lockRoute(client, input.submissionId, input.routeId);
      const state = locked.row.state;
      const changed = locked.routeState !== 'DELIVERED';
      const attempt = input.attempt;
      if (DELIVERING.includes(state)) assertTransition(state, 'DELIVERED');
      // A statement of its own after the locks, so its snapshot sees what routes finishing before us committed.
      // It records the attempt, marks the route, and moves the submission to DELIVERED when no other route is
      // open (one UPDATE of the submission row: it also touches updated_at for the attempt).
      const { rows } = await client.query<{ others_open: number } & Nullable<SubmissionDbRow> & HeadColumns>(
        `WITH attempt AS (
           INSERT INTO ${s}.delivery_attempts (submission_id, route_id, attempt, outcome, receipt, duration_ms)
           SELECT $1, $2, $4::int, 'success', $3::jsonb, $5::int WHERE $6::boolean),
         route AS (
           UPDATE ${s}.deliveries
              SET attempts = attempts + CASE WHEN $6 THEN 1 ELSE 0 END,
                  receipt = CASE WHEN state = 'DELIVERED' THEN receipt ELSE $3 END,
                  delivered_at = CASE WHEN state = 'DELIVERED' THEN delivered_at ELSE now() END,
                  state = 'DELIVERED', last_error = NULL, updated_at = now()
            WHERE submission_id = $1 AND route_id = $2 AND (state <> 'DELIVERED' OR $6)),
         others AS (
           -- this route is DELIVERED now (not visible within this statement): the count covers the others
           SELECT count(*)::int AS open FROM ${s}.deliveries WHERE submission_id = $1 AND route_id <> $2 AND state <> 'DELIVERED'),
         moved AS (
           UPDATE ${s}.submissions u
              SET updated_at = now(),
                  state = CASE WHEN others.open = 0 AND u.state = ANY($8::text[]) THEN 'DELIVERED' ELSE u.state END
             FROM others
            WHERE u.submission_id = $1 AND ($6 OR (others.open = 0 AND u.state = ANY($8::text[])))
           RETURNING u.*)
         SELECT others.open AS others_open, moved.*, head.* FROM others LEFT JOIN moved ON true ${headForUpdateSql(s, '$7')}`,
        [
          input.submissionId,
          input.routeId,
          JSON.stringify(input.receipt),
          attempt?.attempt ?? null,
          attempt?.durationMs === undefined ? null : Math.max(0, Math.round(attempt.durationMs)),
          attempt !== undefined,
          submissionChain(input.submissionId),
          DELIVERING,
        ],
      );
      const { others_open: othersOpen, head_seq, head_hash, ...updated } = rows[0]!;
      const allDelivered = othersOpen === 0;
      const row = updated.submission_id === null ? locked.row : toSubmission(updated as SubmissionDbRow);
      // the head this statement locked; a submission from before the per-submission chains has none yet
      const head = async (): Promise<AuditHead> =>
        headOf({ head_seq, head_hash }, submissionChain(input.submissionId), locked.row.tenantId) ?? lockHead(client, s, { submissionId: input.submissionId });
      if (allDelivered && DELIVERING.includes(state)) {
        await appendAuditAt(client, s, await head(), {
          submissionId: input.submissionId,
          actor: input.actor,
          stage: 'deliver',
          fromState: state,
          toState: 'DELIVERED',
          details: { routeId: input.routeId, adapterInstance: locked.adapterInstance },
        });
        return { submissionState: 'DELIVERED' as const, allDelivered, changed: true, row };
      }
      if (changed) {
        // one route done, others pending: still evidence, but not a state transition
        await appendAuditAt(client, s, await head(), {
          submissionId: input.submissionId,
          actor: input.actor,
          stage: 'deliver-route',
          details: { routeId: input.routeId, adapterInstance: locked.adapterInstance },
        });
      }
      return { submissionState: state, allDelivered, changed, row };
    });
  }

  /** Marks the route FAILED with the reason and moves the submission to FAILED (dead letter) + audit, in one transaction. */
  async failDelivery(input: { submissionId: string; routeId: string; reason: string; actor: string; problem?: SubmissionProblem }): Promise<{ changed: boolean }> {
    const s = this.s;
    return withTransaction(this.pool, async (client) => {
      const locked = await this.lockRoute(client, input.submissionId, input.routeId);
      const state = locked.row.state;
      let routeChanged = false;
      // a route that was confirmed delivered stays delivered: the receipt is the stronger evidence
      if (locked.routeState === 'PENDING') {
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
          details: { routeId: input.routeId, adapterInstance: locked.adapterInstance, reason: input.reason },
        });
      }
      return { changed: moves || routeChanged };
    });
  }

  /** Locks the submission row, then its route's row (the lock order everywhere), in one statement; NOT_FOUND names what is missing. */
  private async lockRoute(
    client: PoolClient,
    submissionId: string,
    routeId: string,
  ): Promise<{ row: SubmissionRow; routeState: DeliveryRow['state']; adapterInstance: string }> {
    const { rows } = await client.query<SubmissionDbRow & { route_state: DeliveryRow['state']; route_adapter: string }>(
      `SELECT s.*, d.state AS route_state, d.adapter_instance AS route_adapter
         FROM ${this.s}.submissions s JOIN ${this.s}.deliveries d ON d.submission_id = s.submission_id AND d.route_id = $2
        WHERE s.submission_id = $1 FOR UPDATE OF s, d`,
      [submissionId, routeId],
    );
    const found = rows[0];
    if (!found) {
      const exists = await client.query(`SELECT 1 FROM ${this.s}.submissions WHERE submission_id = $1`, [submissionId]);
      throw notFound(exists.rowCount ? `delivery ${submissionId}/${routeId}` : `submission ${submissionId}`);
    }
    const { route_state: routeState, route_adapter: adapterInstance, ...row } = found;
    return { row: toSubmission(row), routeState, adapterInstance };
  }

  /**
   * Appends a Security Event Token to the case event log; a repeated jti or event name is ignored (idempotent
   * redelivery). One statement (event and owed callback together), so no transaction of its own.
   */
  async appendEvent(input: EventInput): Promise<void> {
    try {
      await this.insertEvent(this.pool, input);
    } catch (error) {
      throw toJournalError(error);
    }
  }

  /** The event and, when the sender asked to be told, its callback row: only for an event that was written (a repeated one was told already). */
  private async insertEvent(client: Pick<PoolClient, 'query'>, e: EventInput): Promise<void> {
    await client.query(
      `WITH event AS (
         INSERT INTO ${this.s}.events (case_id, submission_id, event_name, jti, token) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING jti, submission_id, event_name)
       ${insertCallbackSql(this.s, 'event', '$6::boolean')}`,
      [e.caseId, e.submissionId, e.eventName, e.jti, e.token, e.notifySender === true],
    );
  }

  /**
   * Records that the channel told the sender (or the upstream) the final outcome, with an audit record
   * naming what it sent. Once per submission: a second call changes nothing and returns false.
   */
  async markAcknowledged(submissionId: string, input: { actor: string; details: Record<string, unknown> }): Promise<boolean> {
    const s = this.s;
    const chain = submissionChain(submissionId);
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ state: SubmissionState; tenant_id: string } & HeadColumns>(
        `WITH acked AS (
           UPDATE ${s}.submissions SET acknowledged_at = now() WHERE submission_id = $1 AND acknowledged_at IS NULL
              AND state = ANY($2::text[]) RETURNING state, tenant_id)
         SELECT acked.*, head.* FROM acked ${headForUpdateSql(s, '$3')}`,
        [submissionId, ACKNOWLEDGED, chain],
      );
      const acked = rows[0];
      if (!acked) return false;
      const head = headOf(acked, chain, acked.tenant_id) ?? (await lockHead(client, s, { submissionId }));
      await appendAuditAt(client, s, head, { submissionId, actor: input.actor, stage: 'acknowledge', details: { state: acked.state, ...input.details } });
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

  /**
   * Submissions of the given channels (those that wait for a receiver to pick them up) still RECEIVED this long
   * after they were submitted: nobody answered them. Oldest first.
   */
  async listUnansweredPickups(opts: { channels: readonly string[]; olderThanMs: number; limit: number }): Promise<SubmissionRow[]> {
    assertPaging(0, opts.limit);
    const rows = await this.query<SubmissionDbRow>(
      `SELECT * FROM ${this.s}.submissions
        WHERE state = 'RECEIVED' AND channel = ANY($1::text[])
          AND coalesce(submitted_at, created_at) < now() - make_interval(secs => $2::double precision / 1000)
        ORDER BY coalesce(submitted_at, created_at) LIMIT $3`,
      [opts.channels, opts.olderThanMs, opts.limit],
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

  /**
   * Non-terminal submissions the reconciler must look at: state RECEIVED..DELIVERING, untouched for `olderThanMs`, oldest first.
   * `exceptChannels`: channels whose submissions wait for someone else (relay destinations, docs/adr/0017) — left out in
   * the query, so that many of them waiting never fill the page and hide a stuck one.
   */
  async listUnfinished(opts: { olderThanMs: number; limit: number; exceptChannels?: readonly string[] }): Promise<SubmissionRow[]> {
    assertPaging(0, opts.limit);
    const rows = await this.query<SubmissionDbRow>(
      `SELECT * FROM ${this.s}.submissions
        WHERE state = ANY($1::text[]) AND updated_at < now() - make_interval(secs => $2::double precision / 1000)
          AND NOT (channel = ANY($4::text[]))
        ORDER BY updated_at LIMIT $3`,
      [UNFINISHED, opts.olderThanMs, opts.limit, opts.exceptChannels ?? []],
    );
    return rows.map(toSubmission);
  }

  /**
   * Submissions of `channel` in `state` whose `channel_meta.destinationId` is one of `destinationIds`, oldest submitted
   * first, one page, with the total: what a FIT-Connect subscriber may pick up (get-submissions-for-pickup).
   */
  async listForPickup(opts: { channel: string; state: SubmissionState; destinationIds: readonly string[]; offset: number; limit: number }): Promise<{ totalCount: number; rows: SubmissionRow[] }> {
    assertPaging(opts.offset, opts.limit);
    const where = `channel = $1 AND state = $2 AND channel_meta->>'destinationId' = ANY($3::text[])`;
    const params = [opts.channel, opts.state, opts.destinationIds];
    const [count, rows] = await Promise.all([
      this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.s}.submissions WHERE ${where}`, params),
      this.query<SubmissionDbRow>(`SELECT * FROM ${this.s}.submissions WHERE ${where} ORDER BY submitted_at, submission_id OFFSET $4 LIMIT $5`, [...params, opts.offset, opts.limit]),
    ]);
    return { totalCount: count[0]?.n ?? 0, rows: rows.map(toSubmission) };
  }

  /** True when an event with this jti is in any case's event log (a SET's jti is used once). */
  async hasEventJti(jti: string): Promise<boolean> {
    const rows = await this.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${this.s}.events WHERE jti = $1) AS found`, [jti]);
    return rows[0]?.found === true;
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
