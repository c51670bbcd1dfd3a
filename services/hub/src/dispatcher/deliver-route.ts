import { classifyDeliveryError, type DeliveryPackage } from '@weiche/adapter-sdk';
import { getDecrypted } from '@weiche/blobstore';
import { errorMessage } from '@weiche/core';
import { acceptPayload } from '@weiche/fit-connect';
import type { SubmissionRow } from '@weiche/journal';
import type { DeliverJob } from '@weiche/queue';
import type { HubDeps } from '../context.js';
import { emitEvent } from '../events.js';
import type { OutputRef } from '../processor/map-submission.js';

export type DeliverOutcome = 'delivered' | 'duplicate' | 'retry' | 'dead-letter' | 'skipped';

/** Thrown to BullMQ when a delivery must not be retried (permanent error, retries or age exhausted, misconfiguration). */
export class DeliveryStopped extends Error {
  override readonly name = 'DeliveryStopped';
  constructor(
    message: string,
    /** What the far side did on the last attempt; 'none' when it was never reached. */
    readonly lastOutcome: 'transient' | 'permanent' | 'none',
  ) {
    super(message);
  }
}

async function acceptIfDelivered(deps: HubDeps, submissionId: string): Promise<void> {
  const row = await deps.journal.getSubmission(submissionId);
  if (row?.state !== 'DELIVERED' || !row.authenticationTags) return;
  await emitEvent(deps, row, 'accept-submission', acceptPayload(row.authenticationTags));
}

function packageOf(deps: HubDeps, row: SubmissionRow, output: OutputRef): DeliveryPackage {
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

/**
 * Delivers one route of a submission through its adapter instance. The idempotency key
 * `submissionId:routeId` makes a redelivery after a crash harmless; every attempt is journaled;
 * a permanent error or the last failed attempt moves the submission to FAILED (dead letter).
 */
export async function deliverRoute(data: DeliverJob, deps: HubDeps, job: { attemptsMade: number; maxAttempts: number; queuedAt?: number }): Promise<DeliverOutcome> {
  const row = await deps.journal.getSubmission(data.submissionId);
  if (!row) return 'skipped';
  const delivery = (await deps.journal.listDeliveries(row.submissionId)).find((d) => d.routeId === data.routeId);
  if (!delivery || delivery.state === 'FAILED' || row.state === 'FAILED') return 'skipped';
  if (delivery.state === 'DELIVERED') {
    // a re-run after a crash between journal and event: make sure the sender hears of it
    await acceptIfDelivered(deps, row.submissionId);
    return 'duplicate';
  }
  const adapterInstance = deps.config.adapters.find((a) => a.id === delivery.adapterInstance);
  const adapter = deps.adapters.get(delivery.adapterInstance);
  const output = row.outputs?.[delivery.target] as OutputRef | undefined;
  if (!adapter || !adapterInstance || !output) {
    const reason = !output ? `no output package for target ${delivery.target}` : `adapter instance ${delivery.adapterInstance} is not configured`;
    await deps.journal.recordAttempt({ submissionId: row.submissionId, routeId: delivery.routeId, attempt: job.attemptsMade + 1, outcome: 'permanent', error: reason });
    await deps.journal.failDelivery({ submissionId: row.submissionId, routeId: delivery.routeId, reason, actor: 'hub:dispatcher' });
    throw new DeliveryStopped(reason, 'none');
  }
  if (row.state === 'ROUTED') {
    await deps.journal.transition(row.submissionId, { from: ['ROUTED'], to: 'DELIVERING', actor: 'hub:dispatcher', stage: 'deliver', details: { route: delivery.routeId } });
  }
  const attempt = job.attemptsMade + 1;
  const log = deps.log.child({ submissionId: row.submissionId, route: delivery.routeId, adapter: delivery.adapterInstance, attempt });
  try {
    const receipt = await adapter.deliver(packageOf(deps, row, output), {
      idempotencyKey: `${row.submissionId}:${delivery.routeId}`,
      signal: AbortSignal.timeout(adapterInstance.timeoutMs),
      log,
    });
    await deps.journal.recordAttempt({ submissionId: row.submissionId, routeId: delivery.routeId, attempt, outcome: 'success', receipt: { ...receipt } });
    const done = await deps.journal.completeDelivery({ submissionId: row.submissionId, routeId: delivery.routeId, receipt: { ...receipt }, actor: `adapter:${delivery.adapterInstance}` });
    if (done.allDelivered) await acceptIfDelivered(deps, row.submissionId);
    log.info({ allDelivered: done.allDelivered }, 'route delivered');
    return 'delivered';
  } catch (error) {
    const kind = classifyDeliveryError(error);
    const reason = errorMessage(error);
    await deps.journal.recordAttempt({ submissionId: row.submissionId, routeId: delivery.routeId, attempt, outcome: kind, error: reason });
    const age = Date.now() - (job.queuedAt ?? Date.now());
    const why =
      kind === 'permanent'
        ? `permanent: ${reason}`
        : attempt >= job.maxAttempts
          ? `retries exhausted after ${attempt} attempts: ${reason}`
          : age > adapterInstance.retry.maxAgeMs
            ? `max age of ${adapterInstance.retry.maxAgeMs} ms exceeded after ${attempt} attempts: ${reason}`
            : undefined;
    if (why) {
      await deps.journal.failDelivery({ submissionId: row.submissionId, routeId: delivery.routeId, reason: why, actor: 'hub:dispatcher' });
      log.warn({ reason: why }, 'delivery dead-lettered');
      throw new DeliveryStopped(why, kind);
    }
    log.warn({ reason, kind }, 'delivery failed; will retry');
    throw error;
  }
}
