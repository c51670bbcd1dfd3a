import type { FsBlobStore } from '@weiche/blobstore';
import type { MsgBoxRetentionStore } from '@weiche/journal';

const BATCH = 200;

/**
 * Deletes the message box's package copies of a tenant that the recipient closed before `before`
 * (docs/adr/0006-data-lifecycle.md): blob first, then the record with its audit record, so a crash in
 * between is finished by the next run. Offered (not closed) entries are deliveries not yet taken: kept.
 */
export async function retainMessageBox(
  deps: { readonly blobs: Pick<FsBlobStore, 'delete'>; readonly store: MsgBoxRetentionStore },
  opts: { tenantId: string; before: Date; now: Date; actor: string; outputsDays: number },
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const due = await deps.store.closedDue(opts.tenantId, opts.before, BATCH);
    let progress = 0;
    for (const entry of due) {
      await deps.blobs.delete(entry.packageBlobKey);
      if (await deps.store.recordDeleted(entry, opts.now, { actor: opts.actor, outputsDays: opts.outputsDays })) progress += 1;
    }
    deleted += progress;
    // an entry recorded by another run meanwhile leaves the due list too; no progress means nothing is left
    if (due.length < BATCH || progress === 0) return deleted;
  }
}
