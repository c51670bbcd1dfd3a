import type { HubDeps } from './context.js';
import { withTimeout } from './timeout.js';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Record<'postgres' | 'blobstore' | 'redis', 'ok' | 'down'>;
}

/** Whether this process can do its work now: PostgreSQL, the blob store and Redis each answer within 2 s. */
export async function readiness(deps: Pick<HubDeps, 'journal' | 'blobs' | 'redis'>): Promise<Readiness> {
  const probes: Array<Promise<unknown>> = [deps.journal.ping(), deps.blobs.ping(), deps.redis.ping()];
  // ioredis queues commands while Redis is away: a bounded wait keeps /readyz answering
  const checks = await Promise.allSettled(probes.map((probe) => withTimeout(probe, 2000, 'readiness check')));
  const [postgres, blobstore, redis] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'down') as 'ok' | 'down');
  return { ready: checks.every((c) => c.status === 'fulfilled'), checks: { postgres: postgres ?? 'down', blobstore: blobstore ?? 'down', redis: redis ?? 'down' } };
}
