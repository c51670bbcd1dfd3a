import { SchemaStore } from './schema-store.js';
import { appendAudit } from './audit-chain.js';
import { withTransaction } from './with-transaction.js';

/** One entry of an identity's XTA message box. */
export interface MsgBoxEntry {
  identity: string;
  messageId: string;
  submissionId: string;
  packageBlobKey: string;
  packageSize: number;
  /** The package's file name as delivered (null for entries from before migration 0005). */
  packageName: string | null;
  /** MessageMetaData offered to the reader. */
  meta: Record<string, unknown>;
  status: 'offered' | 'closed';
  offeredAt: Date;
  /** Where the entry stands in the box's order (offered_at to the microsecond, then MessageID): a MsgBoxRequestID continues after it. */
  position: MsgBoxPosition;
  firstFetchedAt: Date | null;
  closedAt: Date | null;
}

/** A place in an identity's box, oldest first: offered_at in microseconds since the epoch (a Date holds only milliseconds), then the MessageID. */
export interface MsgBoxPosition {
  readonly offeredMicros: string;
  readonly messageId: string;
}

interface MsgBoxDbRow {
  identity: string;
  xta_message_id: string;
  submission_id: string;
  package_blob_key: string;
  package_size: string;
  package_name: string | null;
  meta: Record<string, unknown>;
  status: 'offered' | 'closed';
  offered_at: Date;
  first_fetched_at: Date | null;
  closed_at: Date | null;
  offered_micros: string;
}

// every query of entries selects this too: the position a continuation resumes after
const ENTRY_COLUMNS = `*, (extract(epoch from offered_at) * 1000000)::bigint::text AS offered_micros`;

function toEntry(r: MsgBoxDbRow): MsgBoxEntry {
  return {
    identity: r.identity,
    messageId: r.xta_message_id,
    submissionId: r.submission_id,
    packageBlobKey: r.package_blob_key,
    packageSize: Number(r.package_size),
    packageName: r.package_name,
    meta: r.meta,
    status: r.status,
    offeredAt: r.offered_at,
    position: { offeredMicros: r.offered_micros, messageId: r.xta_message_id },
    firstFetchedAt: r.first_fetched_at,
    closedAt: r.closed_at,
  };
}

/** Which offered entries a message box request selects (OSCI `MsgSelector`); every part given narrows it. */
export interface MsgBoxSelection {
  /** Only these MessageIDs. */
  readonly messageIds?: readonly string[];
  /** Only entries that answer one of these MessageIDs (their MessageMetaData's `inReplyTo`). */
  readonly relatesTo?: readonly string[];
  /** Offered at or after / at or before. */
  readonly from?: Date;
  readonly to?: Date;
  /** Only entries never fetched. */
  readonly newOnly?: boolean;
  /** Only entries after this place in the box's order (the continuation of a MsgBoxRequestID). */
  readonly after?: MsgBoxPosition;
}

function offeredWhere(identity: string, sel: MsgBoxSelection): { where: string; params: unknown[] } {
  const list = (v: readonly string[] | undefined): string[] | null => (v && v.length > 0 ? [...v] : null);
  return {
    where:
      `identity = $1 AND status = 'offered' AND ($2::text[] IS NULL OR xta_message_id = ANY($2::text[])) ` +
      `AND ($3::text[] IS NULL OR coalesce(meta->'inReplyTo', '[]'::jsonb) ?| $3::text[]) ` +
      `AND ($4::timestamptz IS NULL OR offered_at >= $4) AND ($5::timestamptz IS NULL OR offered_at <= $5) ` +
      `AND (NOT $6::boolean OR first_fetched_at IS NULL) ` +
      `AND ($7::bigint IS NULL OR (offered_at, xta_message_id) > (timestamptz 'epoch' + $7::bigint * interval '1 microsecond', $8::text))`,
    params: [identity, list(sel.messageIds), list(sel.relatesTo), sel.from ?? null, sel.to ?? null, sel.newOnly === true, sel.after?.offeredMicros ?? null, sel.after?.messageId ?? null],
  };
}

/** Journal side of the XTA channel's message box: what the hub offers each XTA identity until it closes it. */
export class XtaStore extends SchemaStore {
  /**
   * Offers a package in an identity's box. Idempotent per (identity, idempotencyKey): a redelivery
   * returns the entry made the first time (`duplicate: true`) and the caller drops its new blob.
   */
  async offer(input: {
    identity: string;
    messageId: string;
    submissionId: string;
    idempotencyKey: string;
    packageBlobKey: string;
    packageSize: number;
    packageName: string;
    meta: Record<string, unknown>;
  }): Promise<{ entry: MsgBoxEntry; duplicate: boolean }> {
    const s = this.s;
    return withTransaction(this.pool, async (client) => {
      const inserted = await client.query<MsgBoxDbRow>(
        `INSERT INTO ${s}.xta_msgbox (identity, xta_message_id, submission_id, idempotency_key, package_blob_key, package_size, package_name, meta)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (identity, idempotency_key) DO NOTHING RETURNING ${ENTRY_COLUMNS}`,
        [input.identity, input.messageId, input.submissionId, input.idempotencyKey, input.packageBlobKey, input.packageSize, input.packageName, JSON.stringify(input.meta)],
      );
      const row = inserted.rows[0];
      if (row) {
        await appendAudit(client, s, {
          submissionId: input.submissionId,
          actor: 'hub:xta-msgbox',
          stage: 'xta-msgbox-offer',
          details: { identity: input.identity, xtaMessageId: input.messageId, size: input.packageSize },
        });
        return { entry: toEntry(row), duplicate: false };
      }
      const existing = await client.query<MsgBoxDbRow>(`SELECT ${ENTRY_COLUMNS} FROM ${s}.xta_msgbox WHERE identity = $1 AND idempotency_key = $2`, [input.identity, input.idempotencyKey]);
      return { entry: toEntry(existing.rows[0]!), duplicate: true };
    });
  }

  /** The entry a delivery key made in an identity's box, if any (a redelivery finds it before uploading again). */
  async findByKey(identity: string, idempotencyKey: string): Promise<MsgBoxEntry | undefined> {
    const rows = await this.query<MsgBoxDbRow>(`SELECT ${ENTRY_COLUMNS} FROM ${this.s}.xta_msgbox WHERE identity = $1 AND idempotency_key = $2`, [identity, idempotencyKey]);
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  /** Offered (not closed) entries of an identity, oldest first, that match the selector. */
  async listOffered(identity: string, opts: { limit: number } & MsgBoxSelection): Promise<MsgBoxEntry[]> {
    const { where, params } = offeredWhere(identity, opts);
    const rows = await this.query<MsgBoxDbRow>(`SELECT ${ENTRY_COLUMNS} FROM ${this.s}.xta_msgbox WHERE ${where} ORDER BY offered_at, xta_message_id LIMIT $${params.length + 1}`, [
      ...params,
      Math.max(0, Math.trunc(opts.limit)),
    ]);
    return rows.map(toEntry);
  }

  /** Number of offered entries of an identity that match the selector. */
  async countOffered(identity: string, selection: MsgBoxSelection = {}): Promise<number> {
    const { where, params } = offeredWhere(identity, selection);
    const rows = await this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.s}.xta_msgbox WHERE ${where}`, params);
    return rows[0]?.n ?? 0;
  }

  /** One entry of the identity's own box (any status); marks the first fetch. Another identity's entry is not found. */
  async fetch(identity: string, messageId: string): Promise<MsgBoxEntry | undefined> {
    const rows = await this.query<MsgBoxDbRow>(
      `UPDATE ${this.s}.xta_msgbox SET first_fetched_at = coalesce(first_fetched_at, now())
        WHERE identity = $1 AND xta_message_id = $2 RETURNING ${ENTRY_COLUMNS}`,
      [identity, messageId],
    );
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  /** The MessageIDs of these that are in the identity's own box (any status), without touching them. */
  async inBox(identity: string, messageIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.query<{ id: string }>(`SELECT xta_message_id AS id FROM ${this.s}.xta_msgbox WHERE identity = $1 AND xta_message_id = ANY($2::text[])`, [identity, [...messageIds]]);
    return new Set(rows.map((r) => r.id));
  }

  /** Closes entries of the identity's own box (the message counts as fetched); returns the ones that were open. */
  async close(identity: string, messageIds: readonly string[]): Promise<MsgBoxEntry[]> {
    const s = this.s;
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<MsgBoxDbRow>(
        `UPDATE ${s}.xta_msgbox SET status = 'closed', closed_at = now()
          WHERE identity = $1 AND xta_message_id = ANY($2::text[]) AND status = 'offered' RETURNING ${ENTRY_COLUMNS}`,
        [identity, [...messageIds]],
      );
      for (const row of rows) {
        await appendAudit(client, s, {
          submissionId: row.submission_id,
          actor: `xta:${identity}`,
          stage: 'xta-msgbox-close',
          details: { identity, xtaMessageId: row.xta_message_id },
        });
      }
      return rows.map(toEntry);
    });
  }

  /** All box entries made from one submission (for the sender's transport report). */
  async entriesOfSubmission(submissionId: string): Promise<MsgBoxEntry[]> {
    const rows = await this.query<MsgBoxDbRow>(`SELECT ${ENTRY_COLUMNS} FROM ${this.s}.xta_msgbox WHERE submission_id = $1 ORDER BY offered_at`, [submissionId]);
    return rows.map(toEntry);
  }
}
