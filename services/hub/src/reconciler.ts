import { deliverJobId, processJobId } from '@weiche/queue';
import type { HubDeps } from './context.js';

const PRE_ROUTING = new Set(['RECEIVED', 'OPENED', 'MAPPED']);

/**
 * PostgreSQL is the source of truth, Redis only the work list: every unfinished submission that
 * has no live job (Redis flushed, restarted empty, an enqueue that failed) is enqueued again.
 * Returns how many jobs it re-created.
 */
export async function reconcileOnce(deps: HubDeps, limit = 500): Promise<number> {
  const rows = await deps.journal.listUnfinished({ olderThanMs: deps.config.processing.reconcileAfterMs, limit });
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
  if (requeued > 0) deps.log.info({ requeued }, 'reconciler re-enqueued unfinished submissions');
  return requeued;
}

/** Runs reconcileOnce every interval until stopped; errors are logged, never fatal. */
export function startReconciler(deps: HubDeps): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = reconcileOnce(deps).catch((error: unknown) => deps.log.warn({ err: error }, 'reconciler pass failed'));
  }, deps.config.processing.reconcileIntervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
