import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Worker } from 'bullmq';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, CircuitBreaker, createRedisConnection, deliverQueueName, HubQueues, PROCESS_QUEUE, type DeliverJob, type ProcessJob } from '@weiche/queue';
import { tempDir, waitFor } from '../support/env.js';
import { PrivateRedisCluster } from '../support/redis-cluster.js';

// On Redis Cluster a Lua script or MULTI may only touch keys of one slot (CROSSSLOT otherwise). BullMQ's
// scripts touch several keys of a queue, the breaker's touch two, and the hub moves jobs between its
// queues: every key of one hub carries its prefix as a hash tag, so all of them share one slot.
describe('the hub’s Redis keys on a real Redis Cluster', () => {
  const cluster = new PrivateRedisCluster();
  let dir: string;
  let redis: Cluster;
  const prefix = `wt_cluster_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    dir = await tempDir('redis-cluster');
    await cluster.start(dir);
    redis = createRedisConnection({ url: 'redis://127.0.0.1', cluster: { nodes: cluster.nodes } }) as Cluster;
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    await cluster.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('queues, workers with a rate limit and the circuit breaker work, all in one slot', async () => {
    const queues = new HubQueues(redis, prefix, new Map([['dms-a', { attempts: 3, backoffMs: 10, maxBackoffMs: 100 }]]));
    const processed: string[] = [];
    const delivered: string[] = [];
    const processWorker = new Worker<ProcessJob>(
      PROCESS_QUEUE,
      async (job) => {
        processed.push(job.data.submissionId);
        await queues.enqueueDelivery('dms-a', { submissionId: job.data.submissionId, routeId: 'route-1' });
      },
      { connection: redis, prefix: bullPrefix(prefix), concurrency: 2 },
    );
    const deliverWorker = new Worker<DeliverJob>(deliverQueueName('dms-a'), async (job) => void delivered.push(job.data.submissionId), {
      connection: redis,
      prefix: bullPrefix(prefix),
      limiter: { max: 50, duration: 1000 },
    });
    const errors: string[] = [];
    for (const w of [processWorker, deliverWorker]) w.on('error', (e) => errors.push(e.message)).on('failed', (_j, e) => errors.push(e.message));
    try {
      const ids = Array.from({ length: 10 }, () => randomUUID());
      for (const submissionId of ids) await queues.enqueueProcess({ submissionId });
      await waitFor('10 deliveries', async () => delivered.length === 10 || errors.length > 0, 30_000, 100).catch((e: unknown) => {
        throw new Error(`${String(e)}: ${processed.length} processed, ${delivered.length} delivered`);
      });
      expect(errors).toEqual([]);
      expect(new Set(processed)).toEqual(new Set(ids));
      expect(processed).toHaveLength(10);
      expect(await queues.hasLiveJob(queues.process, `p-${randomUUID()}`)).toBe(false);

      const breaker = new CircuitBreaker(redis, prefix, 'dms-a', { failureThreshold: 1, cooldownMs: 10_000 });
      expect(await breaker.onFailure(1000)).toBe(true);
      expect(await breaker.before(1001)).toEqual({ allow: false, waitMs: 9999 });
      expect(await breaker.onSuccess()).toBe(true);
    } finally {
      await processWorker.close();
      await deliverWorker.close();
      await queues.close();
    }
    const keys = (await cluster.keys()).filter((k) => k.includes(prefix));
    expect(keys.length).toBeGreaterThan(5);
    expect(keys.filter((k) => !k.startsWith(`{${prefix}}:`))).toEqual([]);
    const slots = new Set(await Promise.all(keys.map((k) => redis.cluster('KEYSLOT', k))));
    expect(slots.size).toBe(1);
  }, 60_000);
});
