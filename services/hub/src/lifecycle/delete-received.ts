import type { Logger } from 'pino';
import type { FsBlobStore } from '@weiche/blobstore';
import { RetentionStore, type SubmissionRow } from '@weiche/journal';
import type { Pool } from 'pg';
import { channelRecord } from '../channels/channel-record.js';
import type { ChannelRegistry } from '../channels/registry.js';

export interface DeleteReceivedDeps {
  readonly pool: Pool;
  readonly blobs: Pick<FsBlobStore, 'deleteStale'>;
  readonly config: { readonly database: { readonly schema: string }; readonly orphanBlobs: { readonly graceMs: number } };
}

/** The received blobs deleteReceivedBlobs kept: named by another submission, or stored (again) within the grace or meanwhile (see deleteStale). */
export interface KeptReceived {
  readonly shared: ReadonlySet<string>;
  readonly recent: ReadonlySet<string>;
}

/**
 * Deletes the blobs a submission received (`keys`, of `submissionId`) except those another submission still needs —
 * the one way retention, the janitor's rejections and relay expiry delete received data (docs/adr/0006-data-lifecycle.md).
 *
 * Asking the journal and then deleting are two steps; a submission storing the same bytes in between (its put finds
 * the file and refreshes its time) commits its row after its put, so the journal cannot see it yet. What closes that:
 * the blob store's deleteStale deletes only a file last written before `now − orphanBlobs.graceMs`, the bound the
 * orphan sweep already relies on for "a put is followed by its row's commit". Let a submission's put of the key run
 * at tp and its row commit at tc. tc before the question: the journal names it, the blob is kept. tc after it: then
 * tp > tc − grace > now − grace (`now` is read before the question), so the put either refreshed the file before
 * deleteStale set it aside (deleteStale then finds it recent and puts it back) or came after (it finds no file and
 * links its own). Either way the file stays. A recent blob is kept and reported: the caller leaves its deletion to a
 * later run (retention's row stays due; a rejected row's goes with its retention).
 */
export async function deleteReceivedBlobs(deps: DeleteReceivedDeps, submissionId: string, keys: readonly string[], now = new Date()): Promise<KeptReceived> {
  // before the journal is asked: see above
  const before = new Date(now.getTime() - deps.config.orphanBlobs.graceMs);
  const unique = [...new Set(keys)];
  const shared = await new RetentionStore({ pool: deps.pool, schema: deps.config.database.schema }).receivedKeysInUse(unique, submissionId);
  const recent = new Set<string>();
  for (const key of unique) {
    if (shared.has(key)) continue;
    if ((await deps.blobs.deleteStale(key, before)) === 'recent') recent.add(key);
  }
  return { shared, recent };
}

export interface DeleteReceivedDataDeps extends DeleteReceivedDeps {
  readonly channels: ChannelRegistry;
  readonly log: Logger;
}

/** What deleteReceived did with a submission's received data. */
export interface ReceivedDeletion {
  /** True when the deletion was recorded now; false when it was recorded before, the submission is not finished, its channel names nothing, or a blob was kept as recent. */
  readonly recorded: boolean;
  /** Blobs kept because another submission still needs them. */
  readonly keptShared: number;
  /** Blobs kept because they were stored (again) within the orphan grace: nothing is recorded, a later run tries again. */
  readonly keptRecent: number;
}

/**
 * Deletes the data a finished (DELIVERED or REJECTED) submission holds as received — every blob its channel's record
 * names, through deleteReceivedBlobs — and records it: `received_deleted_at` and an audit record (stage `retention`)
 * naming every part with its hash, in one transaction. Retention and the janitor's rejections (relay expiry,
 * abandoned uploads) record through this, so retention, the orphan sweep and the evidence bundle see the same. Blobs
 * first, record second: a crash in between, or a blob kept as recent, leaves the row unrecorded, and doing it again is
 * harmless.
 */
export async function deleteReceived(
  deps: DeleteReceivedDataDeps,
  row: SubmissionRow,
  audit: { actor: string; at: Date; details: Record<string, unknown> },
): Promise<ReceivedDeletion> {
  const record = await channelRecord(deps, row);
  if (!record) {
    // the channel is not configured on this hub (or keeps no record): what it stored is unknown, so nothing is deleted
    deps.log.warn({ submissionId: row.submissionId, channel: row.channel }, 'the channel names no received data; kept');
    return { recorded: false, keptShared: 0, keptRecent: 0 };
  }
  const { shared, recent } = await deleteReceivedBlobs(deps, row.submissionId, record.received.map((p) => p.blobKey), audit.at);
  // stored again within the grace (another submission's row may be about to name it): not recorded, so a later run
  // deletes it once it is old, or keeps it for the submission that then names it
  if (recent.size > 0) return { recorded: false, keptShared: shared.size, keptRecent: recent.size };
  const store = new RetentionStore({ pool: deps.pool, schema: deps.config.database.schema });
  const parts = record.received.map((p) => ({ part: p.part, sha256: p.blobKey, ...(shared.has(p.blobKey) ? { keptFor: 'another submission with the same bytes' } : {}) }));
  const recorded = await store.recordDeleted('received', row.submissionId, audit.at, { actor: audit.actor, details: { parts, ...audit.details } });
  return { recorded, keptShared: shared.size, keptRecent: 0 };
}

/**
 * deleteReceived for the janitor (relay expiry, abandoned uploads), under the schema's retention lock
 * (RetentionStore.exclusiveWaiting) that a retention run holds for its whole run: two deletions of submissions sharing
 * a blob that each ask before the other recorded would each keep it for the other — both recorded, nothing would ever
 * delete it. While a retention run holds the lock, this waits for it.
 */
export async function deleteReceivedExclusively(
  deps: DeleteReceivedDataDeps,
  row: SubmissionRow,
  audit: { actor: string; at: Date; details: Record<string, unknown> },
): Promise<ReceivedDeletion> {
  return new RetentionStore({ pool: deps.pool, schema: deps.config.database.schema }).exclusiveWaiting(() => deleteReceived(deps, row, audit));
}
