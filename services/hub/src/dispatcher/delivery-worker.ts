import { UnrecoverableError, Worker } from 'bullmq';
import { classifyDeliveryError, TransientDeliveryError } from '@weiche/adapter-sdk';
import { backoffDelay, bullPrefix, CircuitBreaker, deliverQueueName, type DeliverJob } from '@weiche/queue';
import type { HubDeps } from '../context.js';
import { deliverRoute, DeliveryStopped } from './deliver-route.js';

type AdapterInstance = HubDeps['config']['adapters'][number];

/**
 * The worker of one adapter instance's queue: its own concurrency, optional rate limit, retry
 * policy (jittered exponential backoff, Retry-After honoured) and a circuit breaker shared through
 * Redis. While the circuit is open the whole queue is held back with BullMQ's rate limiter, so
 * waiting jobs keep their attempts and a dead endpoint is not hammered; after the cool-down one
 * probe goes through (half-open) and its outcome closes or re-opens the circuit.
 */
export function deliveryWorker(deps: HubDeps, instance: AdapterInstance): { worker: Worker<DeliverJob>; breaker: CircuitBreaker } {
  const { lockDurationMs } = deps.config.processing;
  const breaker = new CircuitBreaker(deps.redis, deps.config.redis.prefix, instance.id, instance.circuit, Math.max(instance.timeoutMs * 2, 10_000));
  const log = deps.log.child({ adapter: instance.id });
  const worker: Worker<DeliverJob> = new Worker<DeliverJob>(
    deliverQueueName(instance.id),
    async (job) => {
      const gate = await breaker.before();
      if (!gate.allow) {
        // not an attempt: the job goes back to waiting until the circuit lets deliveries through
        await worker.rateLimit(gate.waitMs);
        throw Worker.RateLimitError();
      }
      try {
        const outcome = await deliverRoute(job.data, deps, { attemptsMade: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1, queuedAt: job.timestamp });
        if (outcome === 'delivered' && (await breaker.onSuccess())) log.info('circuit closed: the far side answers again');
        return outcome;
      } catch (error) {
        const transient = error instanceof DeliveryStopped ? error.lastOutcome === 'transient' : classifyDeliveryError(error) === 'transient';
        if (transient && (await breaker.onFailure())) log.warn({ cooldownMs: instance.circuit.cooldownMs }, 'circuit opened: deliveries paused for this adapter instance');
        // dead-lettered in the journal already: BullMQ must not retry it
        if (error instanceof DeliveryStopped) throw new UnrecoverableError(error.message);
        throw error;
      }
    },
    {
      connection: deps.redis,
      prefix: bullPrefix(deps.config.redis.prefix),
      concurrency: instance.concurrency,
      lockDuration: lockDurationMs,
      stalledInterval: lockDurationMs,
      ...(instance.rateLimit ? { limiter: { max: instance.rateLimit.max, duration: instance.rateLimit.durationMs } } : {}),
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) =>
          backoffDelay(instance.retry, attemptsMade, error instanceof TransientDeliveryError ? error.retryAfterMs : undefined),
      },
    },
  );
  return { worker, breaker };
}
