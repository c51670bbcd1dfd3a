import { Worker } from 'bullmq';
import { backoffDelay, bullPrefix, CALLBACK_QUEUE, callbackJobId, type CallbackJob, type HubQueues, type RedisConnection } from '@weiche/queue';
import type { CallbackStore } from '@weiche/journal';
import type { RedisOutage } from '../../../redis-outage.js';
import { runJob } from '../../../worker-job.js';
import { sendCallback, type SendCallbackDeps } from './send-callback.js';
import { runPeriodically } from '../../../periodic.js';

export interface CallbackWorkerDeps extends SendCallbackDeps {
  readonly callbacks: SendCallbackDeps['callbacks'] & Pick<CallbackStore, 'listPending'>;
  readonly queues: Pick<HubQueues, 'callback' | 'enqueueCallback' | 'hasLiveJob'>;
  readonly redis: RedisConnection;
  readonly redisOutage: Pick<RedisOutage, 'workerError'>;
  readonly redisPrefix: string;
  readonly policy: SendCallbackDeps['policy'] & { readonly backoffMs: number; readonly maxBackoffMs: number; readonly concurrency: number };
  readonly lockDurationMs: number;
  readonly reconcileIntervalMs: number;
}

/**
 * Re-enqueues every pending callback that has no live job (Redis flushed or restarted empty, an enqueue
 * that failed after its event was committed): the `callbacks` table is the truth, Redis the work list.
 */
export async function reconcileCallbacks(deps: Pick<CallbackWorkerDeps, 'callbacks' | 'queues'>, limit = 500): Promise<number> {
  let requeued = 0;
  for (const owed of await deps.callbacks.listPending(limit)) {
    const id = callbackJobId(owed.jti);
    if (await deps.queues.hasLiveJob(deps.queues.callback, id)) continue;
    await (await deps.queues.callback.getJob(id))?.remove();
    await deps.queues.enqueueCallback({ jti: owed.jti });
    requeued += 1;
  }
  return requeued;
}

/** The callback worker (jittered exponential backoff from config.callbacks) and its reconciler; run by the processor role. */
export function startCallbackWorker(deps: CallbackWorkerDeps): { stop(): Promise<void> } {
  const retry = { attempts: Number.MAX_SAFE_INTEGER, backoffMs: deps.policy.backoffMs, maxBackoffMs: deps.policy.maxBackoffMs };
  const worker = new Worker<CallbackJob>(CALLBACK_QUEUE, (job, token) => runJob(job, token, () => sendCallback(job.data, deps)), {
    connection: deps.redis,
    prefix: bullPrefix(deps.redisPrefix),
    concurrency: deps.policy.concurrency,
    lockDuration: deps.lockDurationMs,
    stalledInterval: deps.lockDurationMs,
    settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(retry, attemptsMade) },
  });
  worker.on('error', (error) => deps.redisOutage.workerError(CALLBACK_QUEUE, error));
  worker.on('failed', (job, error) => deps.log.info({ queue: CALLBACK_QUEUE, jobId: job?.id, attempts: job?.attemptsMade, err: error }, 'callback attempt failed'));
  const pass = (): Promise<unknown> =>
    reconcileCallbacks(deps)
      .then((n) => n > 0 && deps.log.info({ requeued: n }, 'callbacks re-enqueued from the journal'))
      .catch((error: unknown) => deps.log.warn({ err: error }, 'callback reconciler pass failed'));
  const reconciler = runPeriodically(pass, deps.reconcileIntervalMs, { atStart: true });
  return {
    async stop() {
      await reconciler.stop();
      await worker.close();
    },
  };
}
