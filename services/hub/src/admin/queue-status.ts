import type { Queue } from 'bullmq';
import { CircuitBreaker, type CircuitState } from '@weiche/queue';
import type { HubDeps } from '../context.js';

type AdapterInstance = HubDeps['config']['adapters'][number];

/** Job counts per BullMQ state of one queue. */
export async function jobCounts(queue: Queue): Promise<Record<string, number>> {
  return queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children', 'failed', 'completed');
}

/** Age of the oldest job that waits to be picked up (waiting or held by a pause), or null when none waits. */
export async function oldestWaitingAgeMs(queue: Queue, now = Date.now()): Promise<number | null> {
  // ascending: the oldest end of each list
  const jobs = await queue.getJobs(['waiting', 'paused', 'prioritized'], 0, 0, true);
  const stamps = jobs.map((j) => j.timestamp).filter((t) => Number.isFinite(t));
  return stamps.length > 0 ? Math.max(0, now - Math.min(...stamps)) : null;
}

/** The adapter instance's circuit as every dispatcher sees it (kept in Redis). */
export async function circuitOf(deps: HubDeps, instance: AdapterInstance): Promise<{ state: CircuitState; failures: number; opened: number }> {
  return new CircuitBreaker(deps.redis, deps.config.redis.prefix, instance.id, instance.circuit).state();
}
