import type { Logger } from 'pino';
import type { WeicheConfig } from '@weiche/config';
import { ErrorCode } from '@weiche/core';
import { RetentionStore, type Journal, type SubmissionProblem } from '@weiche/journal';
import { acknowledgeOutcome } from './acknowledge.js';
import { deleteReceivedExclusively, type DeleteReceivedDataDeps } from './lifecycle/delete-received.js';
import { RESTORED, restoreSetAside, sweepLogLine, sweepOrphanBlobs, type OrphanSweepDeps } from './lifecycle/orphan-blobs.js';
import type { ChannelRegistry } from './channels/registry.js';
import type { AdapterInstance } from './dispatcher/deliver-route.js';
import { runPeriodically } from './periodic.js';

const ACTOR = 'hub:janitor';

/** `pool`, `blobs`, `config`, `channels`, `log`: to delete and record the received data no other submission needs (deleteReceived). */
export interface JanitorDeps extends DeleteReceivedDataDeps {
  readonly journal: Journal;
  readonly channels: ChannelRegistry;
  readonly adapters: ReadonlyMap<string, AdapterInstance>;
  readonly processing: WeicheConfig['processing'];
  readonly log: Logger;
}

/**
 * Rejects one swept submission (audited by the transition) if it is still in `from`, deletes what it holds as
 * received (deleteReceived: recorded as retention records it, a blob another submission names too is kept) and tells
 * the sender through its channel like any rejection. False when the submission moved on in the meantime (submitted,
 * answered): nothing is deleted.
 */
async function rejectSwept(
  deps: Omit<JanitorDeps, 'adapters'>,
  row: { submissionId: string },
  step: { from: 'CREATED' | 'RECEIVED'; stage: 'intake' | 'pickup'; code: ErrorCode; detail: string; details: Record<string, unknown>; logged: string },
): Promise<boolean> {
  const problem: SubmissionProblem = { code: step.code, stage: step.stage, part: 'submission', detail: step.detail };
  const rejected = await deps.journal.transition(row.submissionId, {
    from: [step.from],
    to: 'REJECTED',
    actor: ACTOR,
    stage: step.stage,
    details: { code: problem.code, ...step.details },
    patch: { reason: problem.detail, problem },
  });
  if (!rejected) return false;
  // a crash from here on leaves a REJECTED row holding its data, and so does a blob stored again recently (another
  // row may be about to name it): finishNotPickedUp (relay expiry) or retention deletes and records it later
  const { keptRecent } = await deleteReceivedExclusively(deps, rejected, { actor: ACTOR, at: new Date(), details: step.details });
  deps.log.info({ submissionId: row.submissionId, channel: rejected.channel, keptRecent }, step.logged);
  await acknowledgeOutcome(deps, rejected);
  return true;
}

/**
 * Submissions a sender created but never submitted (CREATED past the grace period, e.g. a portal that
 * crashed between the uploads and the submit): REJECTED with the reason, audited by the transition, their
 * uploaded attachments deleted, and the sender told through its channel like any rejection.
 */
export async function sweepAbandoned(deps: Omit<JanitorDeps, 'adapters'>, limit = 200): Promise<number> {
  const graceMs = deps.processing.leftoverGraceMs;
  let swept = 0;
  for (const row of await deps.journal.listAbandoned({ olderThanMs: graceMs, limit })) {
    // false: submitted in the meantime; its uploads are in use
    const rejected = await rejectSwept(deps, row, {
      from: 'CREATED',
      stage: 'intake',
      code: ErrorCode.MISSING_DATA,
      detail: `the submission was never submitted within ${Math.round(graceMs / 60_000)} minutes of its last change; its uploads were deleted`,
      details: { abandoned: true, graceMs },
      logged: 'abandoned submission rejected and its uploads deleted',
    });
    if (rejected) swept += 1;
  }
  return swept;
}

/**
 * Submissions waiting for a receiver to pick them up (channels that `awaitsPickup`: relay destinations) that nobody
 * answered within `processing.relayRetentionMs` of their submit: REJECTED as undeliverable, as FIT-Connect's delivery
 * service does after 14 days, audited by the transition, their content (metadata, data, attachments) deleted, and the
 * sender told through the channel like any rejection. A subscriber answering at the same moment either wins (this
 * skips it) or gets 409. First it finishes the deletions an earlier pass did not get to (a crash after the transition).
 */
export async function sweepUnansweredPickups(deps: Omit<JanitorDeps, 'adapters'>, limit = 200): Promise<number> {
  const retentionMs = deps.processing.relayRetentionMs;
  const channels = deps.channels.all().filter((c) => c.awaitsPickup === true).map((c) => c.name);
  if (channels.length === 0) return 0;
  await finishNotPickedUp(deps, channels, limit);
  const days = Math.round((retentionMs / 86_400_000) * 10) / 10;
  let swept = 0;
  for (const row of await deps.journal.listUnansweredPickups({ channels, olderThanMs: retentionMs, limit })) {
    // false: answered by its subscriber in the meantime
    const rejected = await rejectSwept(deps, row, {
      from: 'RECEIVED',
      stage: 'pickup',
      code: ErrorCode.NOT_PICKED_UP,
      detail: `the submission was not picked up and answered by its receiver within ${days} days of its submit; it is undeliverable and its content was deleted`,
      details: { notPickedUp: true, retentionMs },
      logged: 'unanswered submission rejected as undeliverable and its content deleted',
    });
    if (rejected) swept += 1;
  }
  return swept;
}

/**
 * Deletes the content of submissions rejected as not picked up that still hold it (idempotent: recorded once; a blob
 * stored again recently waits for a later pass). Every pass starts with these, so one whose deletion fails (its record
 * unreadable, a blob the store cannot move) is logged and kept as it is: it must not stop the others, the expiry of new
 * ones or the janitor's later sweeps pass after pass.
 */
async function finishNotPickedUp(deps: Omit<JanitorDeps, 'adapters'>, channels: readonly string[], limit: number): Promise<void> {
  const store = new RetentionStore({ pool: deps.pool, schema: deps.config.database.schema });
  for (const row of await store.notPickedUpHoldingData(channels, limit)) {
    const log = { submissionId: row.submissionId, channel: row.channel };
    try {
      const { recorded } = await deleteReceivedExclusively(deps, row, { actor: ACTOR, at: new Date(), details: { notPickedUp: true, resumed: true } });
      if (recorded) deps.log.info(log, 'content of a submission rejected as not picked up deleted (left by an earlier pass)');
    } catch (error) {
      deps.log.warn({ ...log, err: error }, 'content of a submission rejected as not picked up could not be deleted; kept, tried again at the next pass');
    }
  }
}

/** Half-written temp files of adapters (a crash mid-write) past the grace period: removed, each audited. */
export async function sweepAdapterLeftovers(deps: Pick<JanitorDeps, 'journal' | 'adapters' | 'processing' | 'log'>): Promise<number> {
  let swept = 0;
  for (const instance of deps.adapters.values()) {
    const removed = (await instance.adapter.sweepLeftovers?.(deps.processing.leftoverGraceMs)) ?? [];
    for (const leftover of removed) {
      await deps.journal.audit({
        ...(leftover.submissionId ? { submissionId: leftover.submissionId } : {}),
        actor: ACTOR,
        stage: 'deliver',
        details: { removedLeftover: leftover.file, adapter: instance.config.id, graceMs: deps.processing.leftoverGraceMs },
      });
    }
    if (removed.length > 0) deps.log.info({ adapter: instance.config.id, removed: removed.length }, 'crash leftovers of an adapter removed');
    swept += removed.length;
  }
  return swept;
}

/** Runs the given sweeps at start and then every reconcile interval; errors are logged, never fatal. */
export function startJanitor(deps: JanitorDeps, sweeps: { abandoned: boolean; unansweredPickups: boolean; adapterLeftovers: boolean }): { stop(): Promise<void> } {
  const pass = async (): Promise<void> => {
    try {
      if (sweeps.abandoned) await sweepAbandoned(deps);
      if (sweeps.unansweredPickups) await sweepUnansweredPickups(deps);
      if (sweeps.adapterLeftovers) await sweepAdapterLeftovers(deps);
    } catch (error) {
      deps.log.warn({ err: error }, 'janitor pass failed; trying again at the next interval');
    }
  };
  return runPeriodically(pass, deps.processing.reconcileIntervalMs, { atStart: true });
}

/**
 * Sweeps orphan blobs every `orphanBlobs.intervalMs` (processor role; off with `orphanBlobs.enabled: false`), the
 * first pass at start: a process that died with orphans left them exactly when it was restarting. Logs counts only.
 * Switched off, a pass only puts back the blobs a crash left set aside (restoreSetAside).
 */
export function startOrphanBlobSweep(deps: OrphanSweepDeps): { stop(): Promise<void> } {
  const pass = async (): Promise<void> => {
    try {
      if (!deps.config.orphanBlobs.enabled) {
        const restored = await restoreSetAside(deps);
        if (restored > 0) deps.log.warn({ restored }, RESTORED);
        return;
      }
      const report = await sweepOrphanBlobs(deps, { dryRun: false });
      const line = sweepLogLine(report);
      if (line) deps.log[line.level]({ ...report }, line.msg);
    } catch (error) {
      deps.log.warn({ err: error }, 'orphan blob sweep failed; trying again at the next interval');
    }
  };
  return runPeriodically(pass, deps.config.orphanBlobs.intervalMs, { atStart: true, unref: true });
}
