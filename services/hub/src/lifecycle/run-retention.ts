import { RetentionStore, type RetainedData, type SubmissionRow } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import { runPeriodically } from '../periodic.js';
import { deleteReceived } from './delete-received.js';

export type RetentionDeps = Pick<HubDeps, 'config' | 'log' | 'pool' | 'journal' | 'blobs' | 'channels'>;

/** What one run deleted per tenant (submissions whose outputs / received data went), what it had to keep, and what failed (logged). */
export interface RetentionReport {
  now: string;
  tenants: Array<{ tenantId: string; outputs: number; received: number; boxPackages: number; keptShared: number; skipped: number; failed: number }>;
}

const DAY_MS = 24 * 3600 * 1000;
const BATCH = 200;

/** One tenant's counters while a run goes on. */
type Counts = RetentionReport['tenants'][number];

/**
 * Applies every tenant's retention as of `now` (docs/adr/0006-data-lifecycle.md): the decrypted output
 * packages of submissions delivered (or rejected) more than `outputsDays` ago, and the ciphertext as received of
 * those finished more than `ciphertextDays` ago, are deleted from the blob store (and the copies channels keep
 * themselves, such as closed XTA message box entries, `outputsDays` after their close); the journal row records when,
 * and an audit record in the submission's chain names every deleted blob with its hash. Only DELIVERED and
 * REJECTED submissions are touched. Blobs first, record second: a crash in between leaves the row due, and the
 * next run deletes again (idempotent) and records it, so no deletion stays unaudited. A received blob that
 * another submission still needs (the same bytes sent twice) is kept until that one's retention. One run at a time
 * per journal (an advisory lock): undefined when another process is running one.
 */
export async function runRetention(deps: RetentionDeps, opts: { actor: string; now?: Date }): Promise<RetentionReport | undefined> {
  const store = new RetentionStore({ pool: deps.pool, schema: deps.config.database.schema });
  return store.exclusive(() => runLocked(deps, store, opts.actor, opts.now ?? new Date()));
}

async function runLocked(deps: RetentionDeps, store: RetentionStore, actor: string, now: Date): Promise<RetentionReport> {
  const report: RetentionReport = { now: now.toISOString(), tenants: [] };
  for (const tenant of deps.config.tenants) {
    const policy = tenant.retention;
    if (policy?.outputsDays === undefined && policy?.ciphertextDays === undefined) continue;
    const counts: Counts = { tenantId: tenant.id, outputs: 0, received: 0, boxPackages: 0, keptShared: 0, skipped: 0, failed: 0 };
    const run = { deps, store, now, actor, counts };
    if (policy.outputsDays !== undefined) {
      await sweep(run, 'outputs', tenant.id, policy.outputsDays);
      await retainChannelCopies(run, tenant.id, policy.outputsDays);
    }
    if (policy.ciphertextDays !== undefined) await sweep(run, 'received', tenant.id, policy.ciphertextDays);
    report.tenants.push(counts);
    if (counts.outputs + counts.received + counts.boxPackages > 0) deps.log.info({ ...counts }, 'retention run deleted data');
  }
  return report;
}

interface Run {
  deps: RetentionDeps;
  store: RetentionStore;
  now: Date;
  actor: string;
  counts: Counts;
}

/** Pages through the tenant's due submissions once (a submission that cannot be done now does not hold up the others). */
async function sweep(run: Run, what: RetainedData, tenantId: string, days: number): Promise<void> {
  const before = new Date(run.now.getTime() - days * DAY_MS);
  let after: { updatedAt: Date; submissionId: string } | undefined;
  for (;;) {
    const rows = await run.store.due(what, tenantId, before, BATCH, after);
    for (const row of rows) {
      // one submission whose data cannot be deleted now (a file the store cannot remove, a record it cannot read)
      // is logged and left due for the next run: it must not stop every other tenant's and submission's retention
      try {
        const done = what === 'outputs' ? await deleteOutputs(run, row, days) : await deleteReceivedOf(run, row, days);
        if (done) run.counts[what] += 1;
        else run.counts.skipped += 1;
      } catch (error) {
        run.counts.failed += 1;
        run.deps.log.warn({ submissionId: row.submissionId, retained: what, err: error }, 'retention: could not delete a submission\'s data; kept, tried again at the next run');
      }
    }
    if (rows.length < BATCH) return;
    const last = rows[rows.length - 1]!;
    after = { updatedAt: last.updatedAt, submissionId: last.submissionId };
  }
}

/** Copies of output packages that channels keep themselves (the XTA message box), after the same period. */
async function retainChannelCopies(run: Run, tenantId: string, days: number): Promise<void> {
  const before = new Date(run.now.getTime() - days * DAY_MS);
  for (const channel of run.deps.channels.all()) {
    run.counts.boxPackages += (await channel.retainOutputs?.({ tenantId, before, now: run.now, actor: run.actor, outputsDays: days })) ?? 0;
  }
}

async function deleteOutputs(run: Run, row: SubmissionRow, days: number): Promise<boolean> {
  const packages = Object.entries(row.outputs ?? {}).map(([target, o]) => ({ target, packageName: o.packageName, sha256: o.sha256, size: o.size, storedAs: o.blobKey }));
  for (const p of packages) await run.deps.blobs.delete(p.storedAs);
  return run.store.recordDeleted('outputs', row.submissionId, run.now, { actor: run.actor, details: { packages, outputsDays: days } });
}

async function deleteReceivedOf(run: Run, row: SubmissionRow, days: number): Promise<boolean> {
  const deleted = await deleteReceived(run.deps, row, { actor: run.actor, at: run.now, details: { ciphertextDays: days } });
  // a blob stored again within the grace: not recorded, so the row stays due (deleteReceived)
  if (deleted.keptRecent > 0) run.deps.log.info({ submissionId: row.submissionId, recent: deleted.keptRecent }, 'retention: a received blob was stored again recently; trying again at a later run');
  else run.counts.keptShared += deleted.keptShared;
  return deleted.recorded;
}

/** Runs retention every `retention.intervalMs` in the processor role (a process that finds another's run in progress skips its turn). */
export function startRetention(deps: RetentionDeps): { stop(): Promise<void> } {
  const configured = deps.config.tenants.some((t) => t.retention?.outputsDays !== undefined || t.retention?.ciphertextDays !== undefined);
  if (!configured) return { stop: () => Promise.resolve() };
  const pass = (): Promise<unknown> =>
    runRetention(deps, { actor: 'hub:retention' }).catch((error: unknown) => deps.log.warn({ err: error }, 'retention run failed; retrying at the next interval'));
  return runPeriodically(pass, deps.config.retention.intervalMs, { unref: true });
}
