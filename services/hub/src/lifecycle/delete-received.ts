import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { FsBlobStore } from '@weiche/blobstore';
import { RetentionStore, type SubmissionRow } from '@weiche/journal';
import { channelRecord } from '../channels/channel-record.js';
import type { ChannelRegistry } from '../channels/registry.js';

export interface DeleteReceivedDeps {
  readonly blobs: Pick<FsBlobStore, 'delete'>;
  readonly channels: ChannelRegistry;
  readonly log: Logger;
  /** For the received blobs another submission still needs (blobs are content-addressed, so two can share one). */
  readonly pool: Pool;
  readonly config: { readonly database: { readonly schema: string } };
}

/** What deleting a submission's received data did. */
export interface ReceivedDeletion {
  /** True when the deletion was recorded now; false when it was recorded before, the submission is not finished, or its channel names nothing. */
  readonly recorded: boolean;
  /** Blobs kept because another submission still needs them. */
  readonly keptShared: number;
}

/**
 * Deletes the data a finished (DELIVERED or REJECTED) submission holds as received — every blob its channel's record
 * names, except one another submission still needs — and records it: `received_deleted_at` and an audit record
 * (stage `retention`) naming every part with its hash, in one transaction. The one place received data is deleted
 * (retention, the janitor's rejections), so retention, the orphan sweep and the evidence bundle see the same.
 * Blobs first, record second: a crash in between leaves the row unrecorded, and doing it again is harmless.
 */
export async function deleteReceived(
  deps: DeleteReceivedDeps,
  row: SubmissionRow,
  audit: { actor: string; at: Date; details: Record<string, unknown> },
): Promise<ReceivedDeletion> {
  const record = await channelRecord(deps, row);
  if (!record) {
    // the channel is not configured on this hub (or keeps no record): what it stored is unknown, so nothing is deleted
    deps.log.warn({ submissionId: row.submissionId, channel: row.channel }, 'the channel names no received data; kept');
    return { recorded: false, keptShared: 0 };
  }
  const store = new RetentionStore({ pool: deps.pool, schema: deps.config.database.schema });
  const keys = [...new Set(record.received.map((p) => p.blobKey))];
  const shared = await store.receivedKeysInUse(keys, row.submissionId);
  for (const key of keys) if (!shared.has(key)) await deps.blobs.delete(key);
  const parts = record.received.map((p) => ({ part: p.part, sha256: p.blobKey, ...(shared.has(p.blobKey) ? { keptFor: 'another submission with the same bytes' } : {}) }));
  const recorded = await store.recordDeleted('received', row.submissionId, audit.at, { actor: audit.actor, details: { parts, ...audit.details } });
  return { recorded, keptShared: shared.size };
}
