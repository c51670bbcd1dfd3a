import { BlobReferenceStore } from '@weiche/journal';
import type { HubDeps } from '../context.js';

export type OrphanSweepDeps = Pick<HubDeps, 'config' | 'log' | 'pool' | 'blobs'>;

/** What one sweep found (and, unless a dry run, deleted): counts and bytes only, never a key or a name. */
export interface OrphanSweepReport {
  dryRun: boolean;
  /** Blobs older than the grace period, each checked against the journal. */
  checked: number;
  /** Of those, the ones no journal row names, and their bytes. */
  orphans: number;
  orphanBytes: number;
  /** Orphans deleted (0 in a dry run; fewer than `orphans` when one was stored again meanwhile). */
  deleted: number;
  /** Temp files of puts that died mid-write (removed unless a dry run), and their bytes. */
  tempFiles: number;
  tempBytes: number;
  /** Blobs a crash had left set aside in `tmp/` (inside deleteStale) that were put back: recent, or named by a row. */
  restored: number;
  /** Set when nothing was deleted although asked to: the journal names nothing at all (see BlobReferenceStore.journalEmpty). */
  refused?: 'empty-journal';
}

/**
 * Finds the blobs no journal row names (written before a commit that never came: a crash, a PostgreSQL cut) and,
 * unless `dryRun`, deletes them (docs/adr/0006-data-lifecycle.md). Only blobs last written more than
 * `orphanBlobs.graceMs` ago count, so an upload or mapping whose row is about to be committed is never touched. The
 * store is listed in pages of `batchSize`; each page costs one journal query (BlobReferenceStore) and then the
 * deletions, so memory and transaction size stay bounded whatever the store holds. Before that it finishes what a crash
 * inside a deletion left set aside in `tmp/` (FsBlobStore.recoverSetAside): put back when recent or named, else an orphan.
 */
export async function sweepOrphanBlobs(deps: OrphanSweepDeps, opts: { dryRun: boolean; now?: Date }): Promise<OrphanSweepReport> {
  const { graceMs, batchSize } = deps.config.orphanBlobs;
  const before = new Date((opts.now ?? new Date()).getTime() - graceMs);
  const references = new BlobReferenceStore({ pool: deps.pool, schema: deps.config.database.schema });
  const report: OrphanSweepReport = { dryRun: opts.dryRun, checked: 0, orphans: 0, orphanBytes: 0, deleted: 0, tempFiles: 0, tempBytes: 0, restored: 0 };
  // an empty journal next to a full blob folder is a misconfiguration (a wrong schema), not a folder of orphans: count only
  const dryRun = opts.dryRun || (await references.journalEmpty());
  if (dryRun && !opts.dryRun) report.refused = 'empty-journal';
  // first what a crash left set aside: put back before the listing, so a restored blob is judged like any other
  const aside = await deps.blobs.recoverSetAside(before, (keys) => references.referenced(keys), { dryRun });
  report.restored = aside.restored;
  report.orphans += aside.deleted;
  report.orphanBytes += aside.deletedBytes;
  if (!dryRun) report.deleted += aside.deleted;
  for await (const page of deps.blobs.listStale(before, batchSize)) {
    const named = await references.referenced(page.map((b) => b.key));
    report.checked += page.length;
    for (const blob of page) {
      if (named.has(blob.key)) continue;
      report.orphans += 1;
      report.orphanBytes += blob.size;
      // deleteStale looks at the file again: one stored again since the listing (same bytes, new row coming) stays
      if (!dryRun && (await deps.blobs.deleteStale(blob.key, before)) === 'deleted') report.deleted += 1;
    }
  }
  const temp = await deps.blobs.sweepTemp(before, { dryRun });
  report.tempFiles = temp.files;
  report.tempBytes = temp.bytes;
  return report;
}

/** The warning when blobs a crash had left set aside were put back (a sign of the crash; the data is whole again). */
export const RESTORED = 'blobs an interrupted deletion had set aside in tmp/ were put back';

/**
 * Only puts back what a crash inside a deletion (retention, the janitor, the sweep) left set aside in `tmp/` — recent
 * or named by a row —, deleting nothing: for a hub whose sweep is off (a blob folder shared by two journals, where
 * "no row of ours names it" proves nothing). The number put back.
 */
export async function restoreSetAside(deps: OrphanSweepDeps, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - deps.config.orphanBlobs.graceMs);
  const references = new BlobReferenceStore({ pool: deps.pool, schema: deps.config.database.schema });
  return (await deps.blobs.recoverSetAside(before, (keys) => references.referenced(keys), { dryRun: true })).restored;
}

/**
 * What a periodic pass says about its report: a warning when an empty journal sits beside stale blobs (a wrong
 * `database.schema` for this `dataDir`, so nothing was deleted), the counts when it deleted something, else nothing —
 * an empty journal beside an empty or young store is a fresh hub.
 */
export function sweepLogLine(report: OrphanSweepReport): { level: 'warn' | 'info'; msg: string } | undefined {
  const found = report.orphans + report.tempFiles > 0;
  if (report.refused && found) return { level: 'warn', msg: 'orphan blob sweep: the journal names no blob at all, nothing deleted (is database.schema the one of this dataDir?)' };
  if (report.restored > 0) return { level: 'warn', msg: RESTORED };
  if (!found) return undefined;
  return { level: 'info', msg: 'orphan blobs deleted (no journal row named them)' };
}
