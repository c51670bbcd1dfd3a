import { appendAudit } from './audit-chain.js';
import { SchemaStore } from './schema-store.js';
import { withTransaction } from './with-transaction.js';

/** Audit stage of a DMS answer (0402/0403). */
export const DMS_CONFIRMATION_STAGE = 'dms-confirmation';

/** The submission a ProzessID belongs to, and where it went. */
export interface ProzessOwner {
  submissionId: string;
  tenantId: string;
  /** The back office that processes it (issue 15), whose DMS answers; null when the owner does. */
  processingTenantId: string | null;
  /** Adapter instances of its routes (an inbox may only confirm what went through its adapter). */
  adapterInstances: string[];
}

/** One object of a DMS answer as recorded. */
export interface DmsConfirmationRow {
  id: number;
  submissionId: string;
  prozessId: string;
  messageType: '0402' | '0403';
  /** IDSGO of a 0402 object; '' for a 0403. */
  objectId: string;
  /** 0402: imported or not; 0403: null. */
  imported: boolean | null;
  reasons: string[];
  /** `adapter:<instance>` or `http:<client>`. */
  source: string;
  messageSha256: string;
  messageCreatedAt: Date;
  receivedAt: Date;
}

/** What a parsed answer adds to the journal. */
export interface RecordConfirmationInput {
  submissionId: string;
  prozessId: string;
  messageType: '0402' | '0403';
  objects: Array<{ objectId: string; imported: boolean; reasons: string[] }>;
  source: string;
  messageSha256: string;
  messageCreatedAt: Date;
}

interface DbRow {
  id: string;
  submission_id: string;
  prozess_id: string;
  message_type: '0402' | '0403';
  object_id: string;
  imported: boolean | null;
  reasons: string[];
  source: string;
  message_sha256: string;
  message_created_at: Date;
  received_at: Date;
}

function toRow(r: DbRow): DmsConfirmationRow {
  return {
    id: Number(r.id),
    submissionId: r.submission_id,
    prozessId: r.prozess_id,
    messageType: r.message_type,
    objectId: r.object_id,
    imported: r.imported,
    reasons: r.reasons,
    source: r.source,
    messageSha256: r.message_sha256,
    messageCreatedAt: r.message_created_at,
    receivedAt: r.received_at,
  };
}

// Reasons are the DMS's free text: kept, but bounded so one answer cannot bloat the journal.
const MAX_REASONS = 20;
const MAX_REASON_LENGTH = 1000;

/** Journal side of the import confirmation loop: who owns a ProzessID, and what the DMS answered. */
export class DmsConfirmationStore extends SchemaStore {
  /** The submission whose package carried this ProzessID (first output by index, others from the outputs). */
  async findByProzessId(prozessId: string): Promise<ProzessOwner | undefined> {
    const s = this.s;
    const owner = async (where: string): Promise<ProzessOwner | undefined> => {
      const rows = await this.query<{ submission_id: string; tenant_id: string; processing_tenant: string | null; adapters: string[] | null }>(
        `SELECT sub.submission_id, sub.tenant_id, sub.processing_tenant,
                (SELECT array_agg(DISTINCT d.adapter_instance) FROM ${s}.deliveries d WHERE d.submission_id = sub.submission_id) AS adapters
           FROM ${s}.submissions sub WHERE ${where} LIMIT 1`,
        [prozessId],
      );
      const r = rows[0];
      return r ? { submissionId: r.submission_id, tenantId: r.tenant_id, processingTenantId: r.processing_tenant, adapterInstances: r.adapters ?? [] } : undefined;
    };
    return (
      (await owner('sub.prozess_id = $1')) ??
      // a second route's package (another target) has its own ProzessID, only in outputs
      owner(`sub.outputs IS NOT NULL AND EXISTS (SELECT 1 FROM jsonb_each(sub.outputs) o WHERE o.value->>'prozessId' = $1)`)
    );
  }

  /**
   * Records every object of one answer plus one audit record, in one transaction. A message already
   * recorded (same SHA-256) adds nothing and writes no audit record; returns how many rows were new.
   */
  async record(input: RecordConfirmationInput): Promise<{ recorded: number }> {
    const s = this.s;
    const objects = input.messageType === '0403' ? [{ objectId: '', imported: null, reasons: [] as string[] }] : input.objects;
    return withTransaction(this.pool, async (client) => {
      let recorded = 0;
      for (const o of objects) {
        const reasons = o.reasons.slice(0, MAX_REASONS).map((r) => r.slice(0, MAX_REASON_LENGTH));
        const res = await client.query(
          `INSERT INTO ${s}.dms_confirmations (submission_id, prozess_id, message_type, object_id, imported, reasons, source, message_sha256, message_created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (message_sha256, object_id) DO NOTHING`,
          [input.submissionId, input.prozessId, input.messageType, o.objectId, o.imported, JSON.stringify(reasons), input.source, input.messageSha256, input.messageCreatedAt],
        );
        recorded += res.rowCount ?? 0;
      }
      if (recorded > 0) {
        await appendAudit(client, s, {
          submissionId: input.submissionId,
          actor: input.source,
          stage: DMS_CONFIRMATION_STAGE,
          inputHash: input.messageSha256,
          details: {
            messageType: input.messageType,
            prozessId: input.prozessId,
            imported: input.objects.filter((o) => o.imported).map((o) => o.objectId),
            failed: input.objects.filter((o) => !o.imported).map((o) => ({ objectId: o.objectId, reasons: o.reasons.slice(0, MAX_REASONS).map((r) => r.slice(0, MAX_REASON_LENGTH)) })),
          },
        });
      }
      return { recorded };
    });
  }

  /** Everything the DMS answered for a submission, oldest first. */
  async list(submissionId: string): Promise<DmsConfirmationRow[]> {
    const rows = await this.query<DbRow>(`SELECT * FROM ${this.s}.dms_confirmations WHERE submission_id = $1 ORDER BY id`, [submissionId]);
    return rows.map(toRow);
  }
}
