import type { Logger } from 'pino';
import { classifyDeliveryError, type Adapter, type DeliveryPackage } from '@weiche/adapter-sdk';
import { getDecrypted, type FsBlobStore, type TenantKeyring } from '@weiche/blobstore';
import type { WeicheConfig } from '@weiche/config';
import { ErrorCode, errorMessage, WeicheError } from '@weiche/core';
import type { Journal, StoredOutput, SubmissionRow } from '@weiche/journal';
import type { DeliverJob } from '@weiche/queue';
import { acknowledgeOutcome } from '../acknowledge.js';
import type { ChannelRegistry } from '../channels/registry.js';
import { isStorageOutage, type JobAttempts } from '../worker-job.js';

export type DeliverOutcome = 'delivered' | 'duplicate' | 'skipped';

/** An adapter instance as the dispatcher runs it: its config (timeouts, retry) and the adapter built from it. */
export interface AdapterInstance {
  readonly config: WeicheConfig['adapters'][number];
  readonly adapter: Adapter;
}

/** What the delivery stage uses; nothing else. */
export interface DeliverDeps {
  readonly journal: Journal;
  readonly adapters: ReadonlyMap<string, AdapterInstance>;
  readonly blobs: FsBlobStore;
  readonly keyring: TenantKeyring;
  readonly channels: ChannelRegistry;
  readonly log: Logger;
}

/**
 * The delivery of a route ended for good (permanent error, retries or age exhausted, misconfiguration):
 * the route is dead-lettered in the journal and BullMQ must not retry it.
 */
export class DeliveryStopped extends WeicheError {
  override readonly name = 'DeliveryStopped';
  constructor(
    message: string,
    /** What the far side did on the last attempt; 'none' when it was never reached. */
    readonly lastOutcome: 'transient' | 'permanent' | 'none',
  ) {
    super(ErrorCode.DELIVERY_PERMANENT, message, { retryable: false, stage: 'deliver' });
  }
}

function packageOf(deps: DeliverDeps, row: SubmissionRow, output: StoredOutput): DeliveryPackage {
  return {
    name: output.packageName,
    mimeType: output.mimeType,
    size: output.size,
    sha256: output.sha256,
    submissionId: row.submissionId,
    tenantId: row.tenantId,
    open: () => getDecrypted(deps.blobs, deps.keyring, row.tenantId, output.blobKey),
  };
}

/** Why a route was given up, as the log says it (the reason in words is the journal's). */
type Ending = 'permanent' | 'attempts-exhausted' | 'max-age-exceeded' | 'not-configured';

async function stop(
  deps: DeliverDeps,
  row: SubmissionRow,
  routeId: string,
  reason: string,
  ended: { lastOutcome: DeliveryStopped['lastOutcome']; ending: Ending; adapterKind?: string; error?: unknown },
): Promise<never> {
  const { lastOutcome, ending, adapterKind, error } = ended;
  const code = lastOutcome === 'transient' ? ErrorCode.DELIVERY_TRANSIENT : ErrorCode.DELIVERY_PERMANENT;
  await deps.journal.failDelivery({ submissionId: row.submissionId, routeId, reason, actor: 'hub:dispatcher', problem: { code, stage: 'deliver', detail: reason } });
  // a dead letter needs an operator: error, with ids and what kind of failure it was. The reason stays in the journal
  // (the console shows it): an adapter's words — Node's with a path named after a citizen's file, a far side's
  // answer — are not the log's (docs/conventions.md, item 10)
  deps.log.error(
    { submissionId: row.submissionId, tenant: row.tenantId, route: routeId, code, ending, ...(adapterKind ? { adapterKind } : {}), ...(error === undefined ? {} : { err: error }) },
    'delivery dead-lettered: an operator can redeliver it',
  );
  throw new DeliveryStopped(reason, lastOutcome);
}

/** The journal's words for a route given up after an adapter's error. */
function whyStopped(ending: Exclude<Ending, 'not-configured'>, reason: string, attempts: number, maxAgeMs: number): string {
  switch (ending) {
    case 'permanent':
      return `permanent: ${reason}`;
    case 'attempts-exhausted':
      return `retries exhausted after ${attempts} attempts: ${reason}`;
    case 'max-age-exceeded':
      return `max age of ${maxAgeMs} ms exceeded after ${attempts} attempts: ${reason}`;
    default:
      return ending satisfies never;
  }
}

/**
 * Delivers one route of a submission through its adapter instance. The idempotency key
 * `submissionId:routeId` makes a redelivery after a crash harmless; every attempt is journaled;
 * a permanent error or the last failed attempt moves the submission to FAILED (dead letter).
 * When the last route is delivered, the submission's channel tells the sender.
 */
export async function deliverRoute(data: DeliverJob, deps: DeliverDeps, job: JobAttempts & { queuedAt?: number }): Promise<DeliverOutcome> {
  const found = await deps.journal.getRoute(data.submissionId, data.routeId);
  if (!found) return 'skipped';
  const { row, delivery } = found;
  if (!delivery || delivery.state === 'FAILED' || row.state === 'FAILED') return 'skipped';
  if (delivery.state === 'DELIVERED') {
    // a re-run after a crash between journal and acknowledgement: make sure the sender hears of it
    if (row.state === 'DELIVERED' && !row.acknowledgedAt) await acknowledgeOutcome(deps, row);
    return 'duplicate';
  }
  const instance = deps.adapters.get(delivery.adapterInstance);
  const output = row.outputs?.[delivery.target];
  if (!instance || !output) {
    const reason = !output ? `no output package for target ${delivery.target}` : `adapter instance ${delivery.adapterInstance} is not configured`;
    await deps.journal.recordAttempt({ submissionId: row.submissionId, routeId: delivery.routeId, attempt: job.attemptsMade + 1, outcome: 'permanent', error: reason });
    return stop(deps, row, delivery.routeId, reason, { lastOutcome: 'none', ending: 'not-configured' });
  }
  if (row.state === 'ROUTED') {
    await deps.journal.transition(row.submissionId, { from: ['ROUTED'], to: 'DELIVERING', actor: 'hub:dispatcher', stage: 'deliver', details: { route: delivery.routeId } });
  }
  const attempt = job.attemptsMade + 1;
  const adapterKind = instance.adapter.kind;
  const log = deps.log.child({ submissionId: row.submissionId, route: delivery.routeId, adapter: delivery.adapterInstance, adapterKind, attempt });
  const started = performance.now();
  try {
    const receipt = await instance.adapter.deliver(packageOf(deps, row, output), {
      idempotencyKey: `${row.submissionId}:${delivery.routeId}`,
      signal: AbortSignal.timeout(instance.config.timeoutMs),
      log,
    });
    // the successful attempt is recorded in the completion's transaction; the row it returns is what was committed
    const done = await deps.journal.completeDelivery({
      submissionId: row.submissionId,
      routeId: delivery.routeId,
      receipt: { ...receipt },
      actor: `adapter:${delivery.adapterInstance}`,
      attempt: { attempt, durationMs: performance.now() - started },
    });
    log.info({ allDelivered: done.allDelivered }, 'route delivered');
    if (done.allDelivered && done.row.state === 'DELIVERED' && !done.row.acknowledgedAt) await acknowledgeOutcome(deps, done.row);
    return 'delivered';
  } catch (error) {
    // our own journal or blob store is down (also after a successful hand-over): not the adapter's
    // attempt to count; the job pauses and the idempotency key makes the redelivery harmless
    if (isStorageOutage(error)) throw error;
    const kind = classifyDeliveryError(error);
    const reason = errorMessage(error);
    await deps.journal.recordAttempt({ submissionId: row.submissionId, routeId: delivery.routeId, attempt, outcome: kind, error: reason, durationMs: performance.now() - started });
    const age = Date.now() - (job.queuedAt ?? Date.now());
    const retry = instance.config.retry;
    const ending: Ending | undefined =
      kind === 'permanent' ? 'permanent' : attempt >= job.maxAttempts ? 'attempts-exhausted' : age > retry.maxAgeMs ? 'max-age-exceeded' : undefined;
    if (ending) return stop(deps, row, delivery.routeId, whyStopped(ending, reason, attempt, retry.maxAgeMs), { lastOutcome: kind, ending, adapterKind, error });
    log.warn({ kind, err: error }, 'delivery failed; will retry');
    throw error;
  }
}
