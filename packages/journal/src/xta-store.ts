import { SchemaStore } from './schema-store.js';
import { ErrorCode, WeicheError } from '@weiche/core';
import { appendAudit } from './audit-chain.js';
import { isUniqueViolation } from './journal-error.js';
import { toSubmission, type SubmissionDbRow, type SubmissionRow } from './rows.js';
import { withTransaction } from './with-transaction.js';

/** What sendMessage hands the journal: the submission, keyed by the sender's XTA MessageID. */
export interface CreateXtaSubmissionInput {
  submissionId: string;
  caseId: string;
  /** The reader (Destinations/Reader identifier) the message was sent to. */
  readerId: string;
  tenantId: string;
  /** The authenticated author identity. */
  authorId: string;
  /** Qualifier/Service (routes match on it). */
  serviceIdentifier: string;
  xtaMessageId: string;
  /** Parsed MessageMetaData (identifiers and qualifiers; no content). */
  xtaMeta: Record<string, unknown>;
  /** The content container as received (ciphertext), kept for inspection. */
  containerBlobKey: string;
  containerSha256: string;
}

/** One entry of an identity's XTA message box. */
export interface MsgBoxEntry {
  identity: string;
  messageId: string;
  submissionId: string;
  packageBlobKey: string;
  packageSize: number;
  /** MessageMetaData offered to the reader. */
  meta: Record<string, unknown>;
  status: 'offered' | 'closed';
  offeredAt: Date;
  firstFetchedAt: Date | null;
  closedAt: Date | null;
}

interface MsgBoxDbRow {
  identity: string;
  xta_message_id: string;
  submission_id: string;
  package_blob_key: string;
  package_size: string;
  meta: Record<string, unknown>;
  status: 'offered' | 'closed';
  offered_at: Date;
  first_fetched_at: Date | null;
  closed_at: Date | null;
}

function toEntry(r: MsgBoxDbRow): MsgBoxEntry {
  return {
    identity: r.identity,
    messageId: r.xta_message_id,
    submissionId: r.submission_id,
    packageBlobKey: r.package_blob_key,
    packageSize: Number(r.package_size),
    meta: r.meta,
    status: r.status,
    offeredAt: r.offered_at,
    firstFetchedAt: r.first_fetched_at,
    closedAt: r.closed_at,
  };
}

/** Journal side of XTA 2: submissions by MessageID and the message box of each identity. */
export class XtaStore extends SchemaStore {
  /**
   * Records an XTA message as RECEIVED (sendMessage answers only after this commits) with its intake
   * audit record. A MessageID already used on the xta channel throws CONFLICT (XTA fault 9024).
   */
  async createSubmission(input: CreateXtaSubmissionInput): Promise<SubmissionRow> {
    const s = this.s;
    try {
      return await withTransaction(this.pool, async (client) => {
        const { rows } = await client.query<SubmissionDbRow>(
          `INSERT INTO ${s}.submissions (submission_id, case_id, destination_id, tenant_id, sender_client_id, service_identifier,
             state, data_blob_key, submitted_at, channel, xta_message_id, xta_meta)
           VALUES ($1, $2, $3, $4, $5, $6, 'RECEIVED', $7, now(), 'xta', $8, $9) RETURNING *`,
          [
            input.submissionId,
            input.caseId,
            input.readerId,
            input.tenantId,
            input.authorId,
            input.serviceIdentifier,
            input.containerBlobKey,
            input.xtaMessageId,
            JSON.stringify(input.xtaMeta),
          ],
        );
        await appendAudit(client, s, {
          submissionId: input.submissionId,
          actor: `xta:${input.authorId}`,
          stage: 'intake',
          fromState: null,
          toState: 'RECEIVED',
          inputHash: input.containerSha256,
          details: { channel: 'xta', xtaMessageId: input.xtaMessageId, readerId: input.readerId, tenantId: input.tenantId, serviceIdentifier: input.serviceIdentifier },
        });
        return toSubmission(rows[0]!);
      });
    } catch (error) {
      if (error instanceof WeicheError && isUniqueViolation(error.cause)) {
        throw new WeicheError(ErrorCode.CONFLICT, 'the XTA MessageID is already in use', { status: 409 });
      }
      throw error;
    }
  }

  /** The xta submission of a MessageID. */
  async findByMessageId(xtaMessageId: string): Promise<SubmissionRow | undefined> {
    const rows = await this.query<SubmissionDbRow>(`SELECT * FROM ${this.s}.submissions WHERE channel = 'xta' AND xta_message_id = $1`, [xtaMessageId]);
    return rows[0] ? toSubmission(rows[0]) : undefined;
  }

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
    meta: Record<string, unknown>;
  }): Promise<{ entry: MsgBoxEntry; duplicate: boolean }> {
    const s = this.s;
    return withTransaction(this.pool, async (client) => {
      const inserted = await client.query<MsgBoxDbRow>(
        `INSERT INTO ${s}.xta_msgbox (identity, xta_message_id, submission_id, idempotency_key, package_blob_key, package_size, meta)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (identity, idempotency_key) DO NOTHING RETURNING *`,
        [input.identity, input.messageId, input.submissionId, input.idempotencyKey, input.packageBlobKey, input.packageSize, JSON.stringify(input.meta)],
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
      const existing = await client.query<MsgBoxDbRow>(`SELECT * FROM ${s}.xta_msgbox WHERE identity = $1 AND idempotency_key = $2`, [input.identity, input.idempotencyKey]);
      return { entry: toEntry(existing.rows[0]!), duplicate: true };
    });
  }

  /** Offered (not closed) entries of an identity, oldest first; optionally only the given MessageIDs. */
  async listOffered(identity: string, opts: { limit: number; messageIds?: readonly string[] }): Promise<MsgBoxEntry[]> {
    const ids = opts.messageIds && opts.messageIds.length > 0 ? [...opts.messageIds] : null;
    const rows = await this.query<MsgBoxDbRow>(
      `SELECT * FROM ${this.s}.xta_msgbox WHERE identity = $1 AND status = 'offered' AND ($2::text[] IS NULL OR xta_message_id = ANY($2::text[]))
        ORDER BY offered_at, xta_message_id LIMIT $3`,
      [identity, ids, Math.max(0, Math.trunc(opts.limit))],
    );
    return rows.map(toEntry);
  }

  /** Number of offered entries of an identity. */
  async countOffered(identity: string): Promise<number> {
    const rows = await this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.s}.xta_msgbox WHERE identity = $1 AND status = 'offered'`, [identity]);
    return rows[0]?.n ?? 0;
  }

  /** One entry of the identity's own box (any status); marks the first fetch. Another identity's entry is not found. */
  async fetch(identity: string, messageId: string): Promise<MsgBoxEntry | undefined> {
    const rows = await this.query<MsgBoxDbRow>(
      `UPDATE ${this.s}.xta_msgbox SET first_fetched_at = coalesce(first_fetched_at, now())
        WHERE identity = $1 AND xta_message_id = $2 RETURNING *`,
      [identity, messageId],
    );
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  /** Closes entries of the identity's own box (the message counts as fetched); returns the ones that were open. */
  async close(identity: string, messageIds: readonly string[]): Promise<MsgBoxEntry[]> {
    const s = this.s;
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<MsgBoxDbRow>(
        `UPDATE ${s}.xta_msgbox SET status = 'closed', closed_at = now()
          WHERE identity = $1 AND xta_message_id = ANY($2::text[]) AND status = 'offered' RETURNING *`,
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
    const rows = await this.query<MsgBoxDbRow>(`SELECT * FROM ${this.s}.xta_msgbox WHERE submission_id = $1 ORDER BY offered_at`, [submissionId]);
    return rows.map(toEntry);
  }
}
