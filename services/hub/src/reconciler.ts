import type { Logger } from 'pino';
import type { WeicheConfig } from '@weiche/config';
import type { Journal } from '@weiche/journal';
import { deliverJobId, processJobId, type HubQueues } from '@weiche/queue';
import { acknowledgeOutcome } from './acknowledge.js';
import type { ChannelRegistry } from './channels/registry.js';
import { runPeriodically } from './periodic.js';

const PRE_ROUTING = new Set(['RECEIVED', 'OPENED', 'MAPPED']);

export interface ReconcilerDeps {
  readonly journal: Journal;
  readonly queues: Pick<HubQueues, 'process' | 'deliverQueue' | 'hasLiveJob' | 'enqueueProcess' | 'enqueueDelivery'>;
  readonly channels: ChannelRegistry;
  readonly processing: WeicheConfig['processing'];
  readonly log: Logger;
}

/**
 * PostgreSQL is the source of truth, Redis only the work list: every unfinished submission that
 * has no live job (Redis flushed, restarted empty, an enqueue that failed) is enqueued again, and
 * every finished one whose outcome its channel has not acknowledged yet (a crash in between) is
 * acknowledged now. Returns how many jobs it re-created and outcomes it acknowledged.
 */
export async function reconcileOnce(deps: ReconcilerDeps, limit = 500): Promise<number> {
  // relay submissions wait RECEIVED for their subscriber, as long as it takes: not stuck
  const exceptChannels = deps.channels.all().filter((c) => c.awaitsPickup === true).map((c) => c.name);
  const rows = await deps.journal.listUnfinished({ olderThanMs: deps.processing.reconcileAfterMs, limit, exceptChannels });
  let requeued = 0;
  for (const row of rows) {
    if (PRE_ROUTING.has(row.state)) {
      const id = processJobId(row.submissionId);
      if (await deps.queues.hasLiveJob(deps.queues.process, id)) continue;
      await (await deps.queues.process.getJob(id))?.remove();
      await deps.queues.enqueueProcess({ submissionId: row.submissionId });
      requeued += 1;
      continue;
    }
    for (const delivery of await deps.journal.listDeliveries(row.submissionId)) {
      if (delivery.state !== 'PENDING') continue;
      const queue = deps.queues.deliverQueue(delivery.adapterInstance);
      const id = deliverJobId(row.submissionId, delivery.routeId);
      if (await deps.queues.hasLiveJob(queue, id)) continue;
      await (await queue.getJob(id))?.remove();
      await deps.queues.enqueueDelivery(delivery.adapterInstance, { submissionId: row.submissionId, routeId: delivery.routeId });
      requeued += 1;
    }
  }
  let acknowledged = 0;
  for (const row of await deps.journal.listUnacknowledged({ olderThanMs: deps.processing.reconcileAfterMs, limit })) {
    if (await acknowledgeOutcome(deps, row)) acknowledged += 1;
  }
  if (requeued > 0 || acknowledged > 0) deps.log.info({ requeued, acknowledged }, 'reconciler caught up with unfinished submissions');
  return requeued + acknowledged;
}

/** Runs reconcileOnce at start and then every interval until stopped; errors are logged, never fatal. */
export function startReconciler(deps: ReconcilerDeps): { stop(): Promise<void> } {
  const pass = (): Promise<unknown> => reconcileOnce(deps).catch((error: unknown) => deps.log.warn({ err: error }, 'reconciler pass failed'));
  // at start too: a process that restarts more often than the interval must still reconcile
  return runPeriodically(pass, deps.processing.reconcileIntervalMs, { atStart: true });
}
