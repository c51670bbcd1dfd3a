import { sweepOrphanBlobs, type OrphanSweepReport } from '@weiche/hub';
import { withHub } from './operations.js';

/** Bytes for a person: 1.5 MiB rather than 1572864. */
function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function summary(r: OrphanSweepReport, graceMs: number): string {
  const hours = Math.round((graceMs / 3_600_000) * 10) / 10;
  const verb = r.dryRun ? 'would delete' : 'deleted';
  return [
    `${r.checked} blob(s) older than ${hours} h checked against the journal`,
    `orphans (named by no journal row): ${r.orphans}, ${bytes(r.orphanBytes)}${r.dryRun ? '' : `; ${verb} ${r.deleted}`}`,
    `temp files of interrupted writes: ${r.tempFiles}, ${bytes(r.tempBytes)}`,
    ...(r.restored > 0 ? [`blobs an interrupted deletion had set aside, put back (recent or named by a row): ${r.restored}`] : []),
    ...(r.refused ? ['nothing deleted: the journal names no blob at all — is database.schema the one of this dataDir?'] : []),
    ...(r.dryRun && r.orphans + r.tempFiles > 0 ? ['dry run: nothing deleted (--delete deletes them; the hub does every orphanBlobs.intervalMs)'] : []),
  ].join('\n');
}

/**
 * `weiche blobs orphans [--delete] [--json]`: counts (dry run, the default) or deletes the blobs no journal row names
 * that are older than `orphanBlobs.graceMs` — the same sweep the processor role runs. Counts and sizes only, no keys.
 */
export function blobsOrphans(o: { delete?: boolean; json?: boolean; config?: string | undefined }): Promise<number> {
  return withHub(o.config, async (deps) => {
    const report = await sweepOrphanBlobs(deps, { dryRun: o.delete !== true });
    console.log(o.json ? JSON.stringify(report) : summary(report, deps.config.orphanBlobs.graceMs));
    return 0;
  });
}
