import type { Logger } from 'pino';
import { ErrorCode, WeicheError } from '@weiche/core';
import type { Journal, JournalQueries } from '@weiche/journal';
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
  /** Each action is logged at info (who, what, which submission); the reason stays in the audit record only (free text). */
  readonly log: Pick<Logger, 'info'>;
}

/** Who acts and why; `batch` ties together the records of one bulk action. */
export interface ActionAudit {
  readonly actor: string;
  readonly reason?: string;
  readonly batch?: string;
}

function auditDetails(options: ActionAudit): { reason?: string; batch?: string } {
  return { ...(options.reason ? { reason: options.reason } : {}), ...(options.batch ? { batch: options.batch } : {}) };
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
  deps.log.info({ actor, action: 'pause-adapter', adapterInstance }, 'operator action');
}

export async function resumeAdapter(deps: OperationDeps, adapterInstance: string, actor: string): Promise<void> {
  requireAdapter(deps, adapterInstance);
  await deps.queues.deliverQueue(adapterInstance).resume();
  await deps.journal.audit({ actor, stage: 'operator', details: { action: 'resume-adapter', adapterInstance } });
  deps.log.info({ actor, action: 'resume-adapter', adapterInstance }, 'operator action');
}

export async function isAdapterPaused(deps: Pick<OperationDeps, 'queues'>, adapterInstance: string): Promise<boolean> {
  return deps.queues.deliverQueue(adapterInstance).isPaused();
}

/**
 * Delivers a FAILED (dead-lettered) submission again: its failed routes (or only `routeId`) go back
 * to PENDING and are enqueued with fresh attempts; routes already delivered stay untouched.
 */
export async function redeliver(deps: OperationDeps, submissionId: string, options: { routeId?: string } & ActionAudit): Promise<string[]> {
  const row = await deps.journal.getSubmission(submissionId);
  if (!row) throw new WeicheError(ErrorCode.NOT_FOUND, 'no such submission', { status: 404 });
  if (row.state !== 'FAILED' || !row.outputs) {
    throw new WeicheError(ErrorCode.CONFLICT, `only a FAILED submission with stored packages can be redelivered (state ${row.state})`, { status: 409 });
  }
  const deliveries = await deps.journal.listDeliveries(submissionId);
  // a mistyped route id is not a conflict of states: say so, with the ids to choose from
  if (options.routeId !== undefined && !deliveries.some((d) => d.routeId === options.routeId)) {
    throw new WeicheError(ErrorCode.NOT_FOUND, `the submission has no route "${options.routeId}" (its routes: ${deliveries.map((d) => d.routeId).join(', ') || 'none'})`, { status: 404 });
  }
  const again = deliveries.filter((d) => d.state === 'FAILED' && (options.routeId === undefined || d.routeId === options.routeId));
  if (again.length === 0) throw new WeicheError(ErrorCode.CONFLICT, 'no failed route to redeliver', { status: 409 });
  const moved = await deps.journal.transition(submissionId, {
    from: ['FAILED'],
    to: 'ROUTED',
    actor: options.actor,
    stage: 'redeliver',
    details: { routes: again.map((d) => d.routeId), ...auditDetails(options) },
    deliveries: again.map((d) => ({ routeId: d.routeId, adapterInstance: d.adapterInstance, target: d.target })),
  });
  if (!moved) throw new WeicheError(ErrorCode.CONFLICT, 'the submission changed state meanwhile', { status: 409 });
  for (const delivery of again) {
    const queue = deps.queues.deliverQueue(delivery.adapterInstance);
    // the dead-lettered job still exists under the same id: remove it so the id can be used again
    await (await queue.getJob(deliverJobId(submissionId, delivery.routeId)))?.remove();
    await deps.queues.enqueueDelivery(delivery.adapterInstance, { submissionId, routeId: delivery.routeId });
  }
  deps.log.info({ actor: options.actor, action: 'redeliver', submissionId, routes: again.map((d) => d.routeId), ...(options.batch ? { batch: options.batch } : {}) }, 'operator action');
  return again.map((d) => d.routeId);
}

/** Processes a FAILED submission again from the start (open → map → route), e.g. after a mapping was fixed. */
export async function replayFromOpen(deps: OperationDeps, submissionId: string, options: ActionAudit): Promise<void> {
  const moved = await deps.journal.transition(submissionId, {
    from: ['FAILED'],
    to: 'RECEIVED',
    actor: options.actor,
    stage: 'replay',
    details: { from: 'open', ...auditDetails(options) },
  });
  if (!moved) {
    // the transition names no reason: an operator who mistyped an id must not be told to look at its state
    const row = await deps.journal.getSubmission(submissionId);
    if (!row) throw new WeicheError(ErrorCode.NOT_FOUND, 'no such submission', { status: 404 });
    throw new WeicheError(ErrorCode.CONFLICT, `only a FAILED submission can be replayed (state ${row.state})`, { status: 409 });
  }
  await (await deps.queues.process.getJob(processJobId(submissionId)))?.remove();
  await deps.queues.enqueueProcess({ submissionId });
  deps.log.info({ actor: options.actor, action: 'replay', submissionId, ...(options.batch ? { batch: options.batch } : {}) }, 'operator action');
}


/** Discards a dead letter for good (it stays in the journal and the audit chain, marked discarded). */
export async function discardDeadLetter(deps: Pick<OperationDeps, 'log'>, queries: Pick<JournalQueries, 'discard'>, submissionId: string, options: ActionAudit & { reason: string }): Promise<string[]> {
  const { routes } = await queries.discard(submissionId, { actor: options.actor, reason: options.reason, ...(options.batch ? { batch: options.batch } : {}) });
  deps.log.info({ actor: options.actor, action: 'discard', submissionId, routes, ...(options.batch ? { batch: options.batch } : {}) }, 'operator action');
  return routes;
}
