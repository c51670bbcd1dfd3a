import type { FsBlobStore } from '@weiche/blobstore';
import { RetentionStore } from '@weiche/journal';
import type { Pool } from 'pg';

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
