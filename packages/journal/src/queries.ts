import { SchemaStore } from './schema-store.js';
import { ErrorCode, WeicheError, type DeliveryState, type SubmissionState } from '@weiche/core';
import { appendAudit } from './audit-chain.js';
import { deadLetterWhere, DISCARDED, type DeadLetterFilter } from './dead-letter-filter.js';
import { DELEGATIONS_STAGE } from './delegation-store.js';
import { DISCARD_STAGE } from './discard-stage.js';
import type { AuditDbRow } from './audit-rows.js';
import { visibleTo, visibleToOrAll } from './tenant-scope.js';
import { withTransaction } from './with-transaction.js';

export { DISCARD_STAGE };

/**
 * Read models for operators (admin API, metrics): search, timeline, dead letters and statistics.
 * Every result holds ids, hashes, states and reasons only — never form content, attachment names,
 * receipts or callback secrets, which may carry personal data.
 *
 * `tenantIds` scopes a query: undefined means every tenant, a list restricts to those tenants.
 */

/** A submission as operators see it: no blob keys, no callback, no attachment names. */
export interface SubmissionSummary {
  submissionId: string;
  tenantId: string;
  /** Intake channel and the channel's own reference of the message (e.g. an XTA MessageID). */
  channel: string;
  channelRef: string;
  /** The case of the submission's event log, where its channel keeps one (FIT-Connect). */
  caseId: string | null;
  serviceIdentifier: string;
  state: SubmissionState;
  senderReference: string | null;
  mappingModule: string | null;
  mappingVersion: string | null;
  reason: string | null;
  /** True while a FAILED submission is acknowledged by an operator's discard (not a dead letter). */
  discarded: boolean;
  /** Who processes it: the owner, or the back office of `delegationId`; null until routed. */
  processingTenantId: string | null;
  delegationId: string | null;
  createdAt: Date;
  submittedAt: Date | null;
  updatedAt: Date;
}

export interface SubmissionSearch {
  submissionId?: string;
  caseId?: string;
  channelRef?: string;
  senderReference?: string;
  tenantId?: string;
  serviceIdentifier?: string;
  state?: SubmissionState;
  /** created_at ≥ from */
  from?: Date;
  /** created_at < to */
  to?: Date;
  tenantIds?: readonly string[];
}

/** A time range: `from` inclusive, `to` exclusive; either may be open. */
export interface TimeRange {
  from?: Date;
  to?: Date;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface DeliverySummary {
  routeId: string;
  adapterInstance: string;
  target: string;
  state: DeliveryState;
  attempts: number;
  lastError: string | null;
  deliveredAt: Date | null;
  updatedAt: Date;
}

export interface DeadLetter extends SubmissionSummary {
  failedRoutes: DeliverySummary[];
}

export interface TimelineEntry {
  kind: 'audit' | 'attempt' | 'event' | 'confirmation';
  at: Date;
  /** audit: the chain sequence number; attempt: the attempt row id; event: the event log seq. */
  seq: number;
  actor?: string;
  stage?: string;
  fromState?: string | null;
  toState?: string | null;
  inputHash?: string | null;
  outputHash?: string | null;
  hash?: string;
  details?: Record<string, unknown>;
  routeId?: string;
  /** attempt: the route's attempt number across redeliveries (what `attempts` of its delivery counts). */
  attempt?: number;
  outcome?: string;
  error?: string | null;
  eventName?: string;
  /** confirmation: 0402 (import) or 0403 (receipt) from the DMS. */
  messageType?: string;
  /** confirmation: IDSGO of the object ('' for a 0403). */
  objectId?: string;
  /** confirmation: imported or not (0402); null for a 0403. */
  imported?: boolean | null;
  reasons?: string[];
  source?: string;
}

export interface Timeline {
  submission: SubmissionSummary;
  deliveries: DeliverySummary[];
  /** Audit records, delivery attempts and case events, ordered by time. */
  entries: TimelineEntry[];
}

const MAX_LIMIT = 500;
/** How long an incremental reader waits for a transaction holding a lower audit seq to commit. */
const AUDIT_SETTLE_MS = 5000;


interface SummaryDbRow {
  submission_id: string;
  tenant_id: string;
  channel: string;
  channel_ref: string;
  case_id: string | null;
  service_identifier: string;
  state: SubmissionState;
  sender_reference: string | null;
  mapping_module: string | null;
  mapping_version: string | null;
  reason: string | null;
  discarded: boolean;
  processing_tenant: string | null;
  delegation_id: string | null;
  created_at: Date;
  submitted_at: Date | null;
  updated_at: Date;
}

interface DeliveryDbRow {
  submission_id: string;
  route_id: string;
  adapter_instance: string;
  target: string;
  state: DeliveryState;
  attempts: number;
  last_error: string | null;
  delivered_at: Date | null;
  updated_at: Date;
}

function toSummary(r: SummaryDbRow): SubmissionSummary {
  return {
    submissionId: r.submission_id,
    tenantId: r.tenant_id,
    channel: r.channel,
    channelRef: r.channel_ref,
    caseId: r.case_id,
    serviceIdentifier: r.service_identifier,
    state: r.state,
    senderReference: r.sender_reference,
    mappingModule: r.mapping_module,
    mappingVersion: r.mapping_version,
    reason: r.reason,
    discarded: r.discarded,
    processingTenantId: r.processing_tenant,
    delegationId: r.delegation_id,
    createdAt: r.created_at,
    submittedAt: r.submitted_at,
    updatedAt: r.updated_at,
  };
}

function toDeliverySummary(r: DeliveryDbRow): DeliverySummary {
  return {
    routeId: r.route_id,
    adapterInstance: r.adapter_instance,
    target: r.target,
    state: r.state,
    attempts: r.attempts,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    updatedAt: r.updated_at,
  };
}

function assertPage(page: Page): void {
  const ok = Number.isSafeInteger(page.offset) && page.offset >= 0 && Number.isSafeInteger(page.limit) && page.limit >= 1 && page.limit <= MAX_LIMIT;
  if (!ok) throw new WeicheError(ErrorCode.BAD_REQUEST, `offset ≥ 0 and 1 ≤ limit ≤ ${MAX_LIMIT} expected`, { status: 400 });
}

/** Operator read models and the discard action over the journal tables. */
export class JournalQueries extends SchemaStore {
  private summaryColumns(alias: string): string {
    return `${alias}.submission_id, ${alias}.tenant_id, ${alias}.channel, ${alias}.channel_ref,
      (SELECT e.case_id FROM ${this.s}.events e WHERE e.submission_id = ${alias}.submission_id ORDER BY e.seq LIMIT 1) AS case_id,
      ${alias}.service_identifier,
      ${alias}.state, ${alias}.sender_reference, ${alias}.mapping_module, ${alias}.mapping_version, ${alias}.reason,
      (${alias}.state = 'FAILED' AND ${DISCARDED(this.s, alias)}) AS discarded,
      ${alias}.processing_tenant, ${alias}.delegation_id,
      ${alias}.created_at, ${alias}.submitted_at, ${alias}.updated_at`;
  }

  /** Searches submissions by any combination of the filters, newest first; `total` counts all matches. */
  async searchSubmissions(search: SubmissionSearch, page: Page): Promise<{ total: number; items: SubmissionSummary[] }> {
    assertPage(page);
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (sql: (n: string) => string, value: unknown): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (search.submissionId !== undefined) add((n) => `s.submission_id = ${n}`, search.submissionId);
    if (search.caseId !== undefined) add((n) => `EXISTS (SELECT 1 FROM ${this.s}.events e WHERE e.submission_id = s.submission_id AND e.case_id = ${n})`, search.caseId);
    if (search.channelRef !== undefined) add((n) => `s.channel_ref = ${n}`, search.channelRef);
    if (search.senderReference !== undefined) add((n) => `s.sender_reference = ${n}`, search.senderReference);
    if (search.tenantId !== undefined) add((n) => `s.tenant_id = ${n}`, search.tenantId);
    if (search.serviceIdentifier !== undefined) add((n) => `s.service_identifier = ${n}`, search.serviceIdentifier);
    if (search.state !== undefined) add((n) => `s.state = ${n}`, search.state);
    if (search.from !== undefined) add((n) => `s.created_at >= ${n}`, search.from);
    if (search.to !== undefined) add((n) => `s.created_at < ${n}`, search.to);
    if (search.tenantIds !== undefined) add((n) => visibleTo('s', n), [...search.tenantIds]);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const count = await this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.s}.submissions s ${clause}`, params);
    const rows = await this.query<SummaryDbRow>(
      `SELECT ${this.summaryColumns('s')} FROM ${this.s}.submissions s ${clause}
        ORDER BY s.created_at DESC, s.submission_id DESC OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
      [...params, page.offset, page.limit],
    );
    return { total: count[0]?.n ?? 0, items: rows.map(toSummary) };
  }

  /** One submission as a summary, or undefined. */
  async getSummary(submissionId: string): Promise<SubmissionSummary | undefined> {
    const rows = await this.query<SummaryDbRow>(`SELECT ${this.summaryColumns('s')} FROM ${this.s}.submissions s WHERE s.submission_id = $1`, [submissionId]);
    return rows[0] ? toSummary(rows[0]) : undefined;
  }

  /** Dead letters (FAILED, not discarded since they failed) matching the filter, newest failure first, with their failed routes. */
  async deadLetters(filter: DeadLetterFilter, page: Page): Promise<{ total: number; items: DeadLetter[] }> {
    assertPage(page);
    const s = this.s;
    const where = deadLetterWhere(s, filter);
    const n = where.params.length;
    const count = await this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.submissions s WHERE ${where.sql}`, where.params);
    const rows = await this.query<SummaryDbRow>(
      `SELECT ${this.summaryColumns('s')} FROM ${s}.submissions s WHERE ${where.sql}
        ORDER BY s.updated_at DESC, s.submission_id DESC OFFSET $${n + 1} LIMIT $${n + 2}`,
      [...where.params, page.offset, page.limit],
    );
    const ids = rows.map((r) => r.submission_id);
    const failed = ids.length
      ? await this.query<DeliveryDbRow>(
          `SELECT * FROM ${s}.deliveries WHERE submission_id = ANY($1::text[]) AND state = 'FAILED' ORDER BY submission_id, route_id`,
          [ids],
        )
      : [];
    return {
      total: count[0]?.n ?? 0,
      items: rows.map((r) => ({ ...toSummary(r), failedRoutes: failed.filter((d) => d.submission_id === r.submission_id).map(toDeliverySummary) })),
    };
  }

  /** Ids of the dead letters matching the filter (same order as `deadLetters`), at most `max`. */
  async deadLetterIds(filter: DeadLetterFilter, max: number): Promise<string[]> {
    const where = deadLetterWhere(this.s, filter);
    const rows = await this.query<{ submission_id: string }>(
      `SELECT s.submission_id FROM ${this.s}.submissions s WHERE ${where.sql}
        ORDER BY s.updated_at DESC, s.submission_id DESC LIMIT $${where.params.length + 1}`,
      [...where.params, max],
    );
    return rows.map((r) => r.submission_id);
  }

  /** Dead letters per tenant (for the metrics gauge). */
  async deadLetterCounts(): Promise<Array<{ tenantId: string; count: number }>> {
    const rows = await this.query<{ tenant_id: string; n: number }>(
      `SELECT s.tenant_id, count(*)::int AS n FROM ${this.s}.submissions s
        WHERE s.state = 'FAILED' AND NOT ${DISCARDED(this.s, 's')} GROUP BY s.tenant_id ORDER BY s.tenant_id`,
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, count: r.n }));
  }

  /**
   * Per destination, the submissions of `channel` waiting for their receiver to pick them up and answer (RECEIVED),
   * and when the oldest of them was submitted (for the relay gauges; FIT-Connect reminds a destination's operator
   * of submissions not picked up after 3 and 9 days).
   */
  async waitingForPickup(channel: string): Promise<Array<{ destinationId: string; count: number; oldestSubmittedAt: Date }>> {
    const rows = await this.query<{ destination_id: string; n: number; oldest: Date }>(
      `SELECT channel_meta->>'destinationId' AS destination_id, count(*)::int AS n, min(coalesce(submitted_at, created_at)) AS oldest
         FROM ${this.s}.submissions WHERE state = 'RECEIVED' AND channel = $1
        GROUP BY 1 ORDER BY 1`,
      [channel],
    );
    return rows.map((r) => ({ destinationId: r.destination_id, count: r.n, oldestSubmittedAt: r.oldest }));
  }

  /** The submission, its routes and its timeline (audit records, delivery attempts, case event names); undefined if unknown. */
  async timeline(submissionId: string): Promise<Timeline | undefined> {
    const submission = await this.getSummary(submissionId);
    if (!submission) return undefined;
    const s = this.s;
    const [deliveries, audit, attempts, events, confirmations] = await Promise.all([
      this.query<DeliveryDbRow>(`SELECT * FROM ${s}.deliveries WHERE submission_id = $1 ORDER BY route_id`, [submissionId]),
      this.query<Pick<AuditDbRow, 'seq' | 'at' | 'actor' | 'stage' | 'from_state' | 'to_state' | 'input_hash' | 'output_hash' | 'hash' | 'details'>>(`SELECT seq, at, actor, stage, from_state, to_state, input_hash, output_hash, hash, details FROM ${s}.audit WHERE submission_id = $1 ORDER BY seq`, [
        submissionId,
      ]),
      this.query<{ id: string; route_id: string; attempt: number; outcome: string; error: string | null; at: Date }>(
        // numbered per route across redeliveries, as deliveries.attempts counts them: the stored `attempt` is the
        // queue job's, and a redelivery is a new job that starts at 1 again
        `SELECT id, route_id, (row_number() OVER (PARTITION BY route_id ORDER BY id))::int AS attempt, outcome, error, at
           FROM ${s}.delivery_attempts WHERE submission_id = $1 ORDER BY id`,
        [submissionId],
      ),
      // event names and times only: the SET tokens themselves are for the sender
      this.query<{ seq: string; event_name: string; created_at: Date }>(`SELECT seq, event_name, created_at FROM ${s}.events WHERE submission_id = $1 ORDER BY seq`, [
        submissionId,
      ]),
      // what the DMS answered (0402 per object, 0403), from migration 0007
      this.query<{ id: string; message_type: string; object_id: string; imported: boolean | null; reasons: string[]; source: string; received_at: Date }>(
        `SELECT id, message_type, object_id, imported, reasons, source, received_at FROM ${s}.dms_confirmations WHERE submission_id = $1 ORDER BY id`,
        [submissionId],
      ),
    ]);
    const entries: TimelineEntry[] = [
      ...audit.map((a): TimelineEntry => ({
        kind: 'audit',
        at: a.at,
        seq: Number(a.seq),
        actor: a.actor,
        stage: a.stage,
        fromState: a.from_state,
        toState: a.to_state,
        inputHash: a.input_hash,
        outputHash: a.output_hash,
        hash: a.hash,
        details: a.details,
      })),
      ...attempts.map((a): TimelineEntry => ({ kind: 'attempt', at: a.at, seq: Number(a.id), routeId: a.route_id, attempt: a.attempt, outcome: a.outcome, error: a.error })),
      ...events.map((e): TimelineEntry => ({ kind: 'event', at: e.created_at, seq: Number(e.seq), eventName: e.event_name })),
      ...confirmations.map(
        (c): TimelineEntry => ({
          kind: 'confirmation',
          at: c.received_at,
          seq: Number(c.id),
          messageType: c.message_type,
          objectId: c.object_id,
          imported: c.imported,
          reasons: c.reasons,
          source: c.source,
        }),
      ),
    ];
    // stable: within one timestamp audit records stay in chain order, attempts in insertion order
    entries.sort((a, b) => a.at.getTime() - b.at.getTime());
    return { submission, deliveries: deliveries.map(toDeliverySummary), entries };
  }

  /**
   * Acknowledges a dead letter: appends a 'discard' audit record (actor, reason, failed routes) while the
   * submission row is locked. It stays FAILED — no new state — and leaves the dead-letter list.
   */
  async discard(submissionId: string, input: { actor: string; reason: string; batch?: string }): Promise<{ routes: string[] }> {
    const s = this.s;
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ state: SubmissionState; discarded: boolean }>(
        `SELECT s.state, ${DISCARDED(s, 's')} AS discarded FROM ${s}.submissions s WHERE s.submission_id = $1 FOR UPDATE`,
        [submissionId],
      );
      const row = rows[0];
      if (!row) throw new WeicheError(ErrorCode.NOT_FOUND, 'no such submission', { status: 404 });
      if (row.state !== 'FAILED') throw new WeicheError(ErrorCode.CONFLICT, `only a FAILED submission can be discarded (state ${row.state})`, { status: 409 });
      if (row.discarded) throw new WeicheError(ErrorCode.CONFLICT, 'the submission is discarded already', { status: 409 });
      const routes = await client.query<{ route_id: string }>(
        `SELECT route_id FROM ${s}.deliveries WHERE submission_id = $1 AND state = 'FAILED' ORDER BY route_id`,
        [submissionId],
      );
      const routeIds = routes.rows.map((r) => r.route_id);
      await appendAudit(client, s, { submissionId, actor: input.actor, stage: DISCARD_STAGE, details: { action: 'discard', reason: input.reason, routes: routeIds, ...(input.batch ? { batch: input.batch } : {}) } });
      return { routes: routeIds };
    });
  }

  /** Routes delivered per adapter instance and minute over the last `minutes` (the minute is its start, UTC). */
  async deliveredPerMinute(opts: { minutes: number; tenantIds?: readonly string[] }): Promise<Array<{ adapterInstance: string; minute: Date; count: number }>> {
    const rows = await this.query<{ adapter_instance: string; minute: Date; n: number }>(
      `SELECT d.adapter_instance, date_trunc('minute', d.delivered_at) AS minute, count(*)::int AS n
         FROM ${this.s}.deliveries d JOIN ${this.s}.submissions s USING (submission_id)
        WHERE d.state = 'DELIVERED' AND d.delivered_at >= now() - make_interval(mins => $1::int)
          AND ${visibleToOrAll('s', '$2')}
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [opts.minutes, opts.tenantIds ? [...opts.tenantIds] : null],
    );
    return rows.map((r) => ({ adapterInstance: r.adapter_instance, minute: r.minute, count: r.n }));
  }

  /** Submissions per tenant and state; with `from`/`to`, only those received in that time. */
  async countsByState(scope: { tenantIds?: readonly string[] } & TimeRange): Promise<Array<{ tenantId: string; state: SubmissionState; count: number }>> {
    const rows = await this.query<{ tenant_id: string; state: SubmissionState; n: number }>(
      `SELECT tenant_id, state, count(*)::int AS n FROM ${this.s}.submissions s
        WHERE ${visibleToOrAll('s', '$1')} AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [scope.tenantIds ? [...scope.tenantIds] : null, scope.from ?? null, scope.to ?? null],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, state: r.state, count: r.n }));
  }

  /**
   * Submissions delivered end to end per tenant and service (what municipalities report as OZG
   * progress); with `from`/`to`, only those received in that time.
   */
  async deliveredByService(scope: { tenantIds?: readonly string[] } & TimeRange): Promise<Array<{ tenantId: string; serviceIdentifier: string; delivered: number }>> {
    const rows = await this.query<{ tenant_id: string; service_identifier: string; n: number }>(
      `SELECT tenant_id, service_identifier, count(*)::int AS n FROM ${this.s}.submissions s
        WHERE state = 'DELIVERED' AND ${visibleToOrAll('s', '$1')}
          AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [scope.tenantIds ? [...scope.tenantIds] : null, scope.from ?? null, scope.to ?? null],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, serviceIdentifier: r.service_identifier, delivered: r.n }));
  }

  /**
   * Moves to DELIVERED and to FAILED per tenant and hour (or day) from the audit chain: over the
   * last `hours`, or from `from` to `to`. `hour` is the start of each bucket (UTC).
   */
  async activity(opts: { hours?: number; bucket?: 'hour' | 'day'; tenantIds?: readonly string[] } & TimeRange): Promise<Array<{ tenantId: string; hour: Date; delivered: number; failed: number }>> {
    const to = opts.to ?? null;
    const from = opts.from ?? (opts.hours !== undefined ? new Date(Date.now() - opts.hours * 3600_000) : null);
    const rows = await this.query<{ tenant_id: string; hour: Date; delivered: number; failed: number }>(
      `SELECT s.tenant_id, date_trunc($4, a.at, 'UTC') AS hour,
              count(*) FILTER (WHERE a.to_state = 'DELIVERED')::int AS delivered,
              count(*) FILTER (WHERE a.to_state = 'FAILED')::int AS failed
         FROM ${this.s}.audit a JOIN ${this.s}.submissions s USING (submission_id)
        WHERE a.to_state IN ('DELIVERED', 'FAILED') AND ($2::timestamptz IS NULL OR a.at >= $2) AND ($3::timestamptz IS NULL OR a.at < $3)
          AND ${visibleToOrAll('s', '$1')}
        GROUP BY 1, 2 ORDER BY 2, 1`,
      [opts.tenantIds ? [...opts.tenantIds] : null, from, to, opts.bucket ?? 'hour'],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, hour: r.hour, delivered: r.delivered, failed: r.failed }));
  }

  /** The newest audit seq and delivery-attempt id: where an incremental reader (metrics) starts. */
  async heads(): Promise<{ auditSeq: number; attemptId: number }> {
    const rows = await this.query<{ audit_seq: string; attempt_id: string }>(
      `SELECT COALESCE((SELECT max(seq) FROM ${this.s}.audit), 0) AS audit_seq,
              COALESCE((SELECT max(id) FROM ${this.s}.delivery_attempts), 0) AS attempt_id`,
    );
    return { auditSeq: Number(rows[0]?.audit_seq ?? 0), attemptId: Number(rows[0]?.attempt_id ?? 0) };
  }

  /**
   * Audit records after `afterSeq` in seq order with the time of the submission's previous record,
   * so a reader can count stage transitions and observe how long each stage took. Appends to different
   * chains commit in parallel, so a missing seq just before a recent record may belong to a transaction
   * that has not committed yet: the list stops there (the reader comes back for it); a gap older than
   * AUDIT_SETTLE_MS is a rolled-back transaction and is passed over.
   */
  async auditSince(afterSeq: number, limit: number): Promise<Array<{ seq: number; stage: string; toState: string | null; at: Date; previousAt: Date | null }>> {
    const rows = await this.query<{ seq: string; stage: string; to_state: string | null; at: Date; previous_at: Date | null }>(
      `SELECT a.seq, a.stage, a.to_state, a.at,
              (SELECT p.at FROM ${this.s}.audit p WHERE p.submission_id = a.submission_id AND p.seq < a.seq ORDER BY p.seq DESC LIMIT 1) AS previous_at
         FROM ${this.s}.audit a WHERE a.seq > $1 ORDER BY a.seq LIMIT $2`,
      [afterSeq, limit],
    );
    const settled = [];
    let expected = afterSeq + 1;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expected && Date.now() - r.at.getTime() < AUDIT_SETTLE_MS) break;
      settled.push({ seq, stage: r.stage, toState: r.to_state, at: r.at, previousAt: r.previous_at });
      expected = seq + 1;
    }
    return settled;
  }

  /** Delivery attempts after `afterId` with their adapter instance, outcome, time and error text. */
  async attemptsSince(afterId: number, limit: number): Promise<Array<{ id: number; adapterInstance: string; outcome: string; at: Date; error: string | null; durationMs: number | null }>> {
    const rows = await this.query<{ id: string; adapter_instance: string; outcome: string; at: Date; error: string | null; duration_ms: number | null }>(
      `SELECT a.id, d.adapter_instance, a.outcome, a.at, a.error, a.duration_ms FROM ${this.s}.delivery_attempts a
         JOIN ${this.s}.deliveries d USING (submission_id, route_id) WHERE a.id > $1 ORDER BY a.id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({ id: Number(r.id), adapterInstance: r.adapter_instance, outcome: r.outcome, at: r.at, error: r.error, durationMs: r.duration_ms }));
  }

  /** Operator actions from the audit chain (pause/resume, replay, redeliver, discard, changes of the delegations), newest first. */
  async operatorAudit(scope: { tenantIds?: readonly string[] }, page: Page): Promise<Array<{ seq: number; at: Date; actor: string; stage: string; submissionId: string | null; details: Record<string, unknown> }>> {
    assertPage(page);
    // operator records without a submission (pause/resume) belong to no tenant: only unscoped readers see them
    const rows = await this.query<{ seq: string; at: Date; actor: string; stage: string; submission_id: string | null; details: Record<string, unknown> }>(
      `SELECT a.seq, a.at, a.actor, a.stage, a.submission_id, a.details FROM ${this.s}.audit a
         LEFT JOIN ${this.s}.submissions s USING (submission_id)
        WHERE a.stage IN ('operator', 'replay', 'redeliver', '${DISCARD_STAGE}', '${DELEGATIONS_STAGE}')
          AND ${visibleToOrAll('s', '$1')}
        ORDER BY a.seq DESC OFFSET $2 LIMIT $3`,
      [scope.tenantIds ? [...scope.tenantIds] : null, page.offset, page.limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), at: r.at, actor: r.actor, stage: r.stage, submissionId: r.submission_id, details: r.details }));
  }
}
