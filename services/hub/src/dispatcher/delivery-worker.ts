import { Worker } from 'bullmq';
import { classifyDeliveryError, TransientDeliveryError } from '@weiche/adapter-sdk';
import { backoffDelay, bullPrefix, CircuitBreaker, deliverQueueName, type DeliverJob, type RedisConnection } from '@weiche/queue';
import { isStorageOutage, runJob } from '../worker-job.js';
import { deliverRoute, DeliveryStopped, type AdapterInstance, type DeliverDeps } from './deliver-route.js';

export interface DeliveryWorkerDeps extends DeliverDeps {
  readonly redis: RedisConnection;
  /** Redis key prefix of the hub (queues and circuit breakers). */
  readonly redisPrefix: string;
  /** BullMQ lock: how fast a dead worker's job is taken over. */
  readonly lockDurationMs: number;
}

/**
 * The worker of one adapter instance's queue: its own concurrency, optional rate limit, retry
 * policy (jittered exponential backoff, Retry-After honoured) and a circuit breaker shared through
 * Redis. While the circuit is open the whole queue is held back with BullMQ's rate limiter, so
 * waiting jobs keep their attempts and a dead endpoint is not hammered; after the cool-down one
 * probe goes through (half-open) and its outcome closes or re-opens the circuit.
 */
export function deliveryWorker(deps: DeliveryWorkerDeps, instance: AdapterInstance): { worker: Worker<DeliverJob>; breaker: CircuitBreaker } {
  const { config } = instance;
  const breaker = new CircuitBreaker(deps.redis, deps.redisPrefix, config.id, config.circuit, Math.max(config.timeoutMs * 2, 10_000));
  const log = deps.log.child({ adapter: config.id });
  const worker: Worker<DeliverJob> = new Worker<DeliverJob>(
    deliverQueueName(config.id),
    async (job, token) => {
      const gate = await breaker.before();
      if (!gate.allow) {
        // not an attempt: the job goes back to waiting until the circuit lets deliveries through
        await worker.rateLimit(gate.waitMs);
        throw Worker.RateLimitError();
      }
      // dead-lettered deliveries (DeliveryStopped) are not retryable: runJob stops BullMQ's retries
      return runJob(job, token, async () => {
        try {
          const outcome = await deliverRoute(job.data, deps, { attemptsMade: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1, queuedAt: job.timestamp });
          if (outcome === 'delivered' && (await breaker.onSuccess())) log.info('circuit closed: the far side answers again');
          return outcome;
        } catch (error) {
          // our own storage being down says nothing about the far side: no circuit breaker failure
          if (isStorageOutage(error)) throw error;
          const transient = error instanceof DeliveryStopped ? error.lastOutcome === 'transient' : classifyDeliveryError(error) === 'transient';
          if (transient && (await breaker.onFailure())) log.warn({ cooldownMs: config.circuit.cooldownMs }, 'circuit opened: deliveries paused for this adapter instance');
          throw error;
        }
      });
    },
    {
      connection: deps.redis,
      prefix: bullPrefix(deps.redisPrefix),
      concurrency: config.concurrency,
      lockDuration: deps.lockDurationMs,
      stalledInterval: deps.lockDurationMs,
      ...(config.rateLimit ? { limiter: { max: config.rateLimit.max, duration: config.rateLimit.durationMs } } : {}),
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) =>
          backoffDelay(config.retry, attemptsMade, error instanceof TransientDeliveryError ? error.retryAfterMs : undefined),
      },
    },
  );
  return { worker, breaker };
}
