import { ErrorCode, WeicheError } from '@weiche/core';
import type { Journal } from '@weiche/journal';
import { deliverJobId, processJobId, type HubQueues } from '@weiche/queue';

/**
 * Operator actions shared by the CLI and the admin API. Every action is audited with its actor;
 * redelivery keeps the idempotency key (submissionId:routeId), so an adapter that did receive the
 * package before never gets it twice.
 */
export interface OperationDeps {
  readonly journal: Journal;
  readonly queues: Pick<HubQueues, 'deliverQueue' | 'process' | 'enqueueDelivery' | 'enqueueProcess'>;
  readonly config: { readonly adapters: ReadonlyArray<{ readonly id: string }> };
}

function requireAdapter(deps: OperationDeps, adapterInstance: string): void {
  if (!deps.config.adapters.some((a) => a.id === adapterInstance)) {
    throw new WeicheError(ErrorCode.NOT_FOUND, `no adapter instance "${adapterInstance}"`, { status: 404 });
  }
}

/** Stops deliveries of one adapter instance across all dispatchers (jobs wait; nothing is lost). */
export async function pauseAdapter(deps: OperationDeps, adapterInstance: string, actor: string): Promise<void> {
  requireAdapter(deps, adapterInstance);
  await deps.queues.deliverQueue(adapterInstance).pause();
  await deps.journal.audit({ actor, stage: 'operator', details: { action: 'pause-adapter', adapterInstance } });
}

export async function resumeAdapter(deps: OperationDeps, adapterInstance: string, actor: string): Promise<void> {
  requireAdapter(deps, adapterInstance);
  await deps.queues.deliverQueue(adapterInstance).resume();
  await deps.journal.audit({ actor, stage: 'operator', details: { action: 'resume-adapter', adapterInstance } });
}

export async function isAdapterPaused(deps: Pick<OperationDeps, 'queues'>, adapterInstance: string): Promise<boolean> {
  return deps.queues.deliverQueue(adapterInstance).isPaused();
}

/**
 * Delivers a FAILED (dead-lettered) submission again: its failed routes (or only `routeId`) go back
 * to PENDING and are enqueued with fresh attempts; routes already delivered stay untouched.
 */
export async function redeliver(deps: OperationDeps, submissionId: string, options: { routeId?: string; actor: string; reason?: string }): Promise<string[]> {
  const row = await deps.journal.getSubmission(submissionId);
  if (!row) throw new WeicheError(ErrorCode.NOT_FOUND, 'no such submission', { status: 404 });
  if (row.state !== 'FAILED' || !row.outputs) {
    throw new WeicheError(ErrorCode.CONFLICT, `only a FAILED submission with stored packages can be redelivered (state ${row.state})`, { status: 409 });
  }
  const deliveries = await deps.journal.listDeliveries(submissionId);
  const again = deliveries.filter((d) => d.state === 'FAILED' && (options.routeId === undefined || d.routeId === options.routeId));
  if (again.length === 0) throw new WeicheError(ErrorCode.CONFLICT, 'no failed route to redeliver', { status: 409 });
  const moved = await deps.journal.transition(submissionId, {
    from: ['FAILED'],
    to: 'ROUTED',
    actor: options.actor,
    stage: 'redeliver',
    details: { routes: again.map((d) => d.routeId), ...(options.reason ? { reason: options.reason } : {}) },
    deliveries: again.map((d) => ({ routeId: d.routeId, adapterInstance: d.adapterInstance, target: d.target })),
  });
  if (!moved) throw new WeicheError(ErrorCode.CONFLICT, 'the submission changed state meanwhile', { status: 409 });
  for (const delivery of again) {
    const queue = deps.queues.deliverQueue(delivery.adapterInstance);
    // the dead-lettered job still exists under the same id: remove it so the id can be used again
    await (await queue.getJob(deliverJobId(submissionId, delivery.routeId)))?.remove();
    await deps.queues.enqueueDelivery(delivery.adapterInstance, { submissionId, routeId: delivery.routeId });
  }
  return again.map((d) => d.routeId);
}

/** Processes a FAILED submission again from the start (open → map → route), e.g. after a mapping was fixed. */
export async function replayFromOpen(deps: OperationDeps, submissionId: string, options: { actor: string; reason?: string }): Promise<void> {
  const moved = await deps.journal.transition(submissionId, {
    from: ['FAILED'],
    to: 'RECEIVED',
    actor: options.actor,
    stage: 'replay',
    details: { from: 'open', ...(options.reason ? { reason: options.reason } : {}) },
    patch: { problem: null, reason: null },
  });
  if (!moved) throw new WeicheError(ErrorCode.CONFLICT, 'only a FAILED submission can be replayed', { status: 409 });
  await (await deps.queues.process.getJob(processJobId(submissionId)))?.remove();
  await deps.queues.enqueueProcess({ submissionId });
}

