import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterFactory } from '@weiche/adapter-sdk';
import { isAdapterPaused, pauseAdapter, redeliver, resumeAdapter } from '@weiche/hub';
import { CircuitBreaker, deliverJobId } from '@weiche/queue';
import { zipsIn } from '../support/batch.js';
import { tempDir, waitFor } from '../support/env.js';
import { eventNames } from '../support/fit-connect-sender.js';
import { attemptLog, flakyFolderAdapter } from '../support/flaky-adapter.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { SERVICE, writeTestConfig, type TestHubConfig } from '../support/test-config.js';
import { answered, waitForEvents } from '../support/wait-for-events.js';

async function hubWithAdapter(adapter: (dir: string) => Record<string, unknown>, prepare?: (dir: string) => Promise<void>): Promise<{ hub: InProcessHub; cfg: TestHubConfig; dir: string }> {
  const dir = await tempDir('retry');
  await prepare?.(dir);
  const cfg = await writeTestConfig(dir, {
    overrides: (raw) => {
      raw.adapters = [{ id: 'dms', concurrency: 2, ...adapter(dir) }];
    },
  });
  const hub = await startInProcessHub(cfg, { adapterKinds: [flakyFolderAdapter as AdapterFactory<unknown>] });
  return { hub, cfg, dir };
}

async function sendOne(hub: InProcessHub, cfg: TestHubConfig): Promise<{ submissionId: string; caseId: string }> {
  const sent = await hub.sender.send({ destinationId: cfg.destinationId, serviceIdentifier: SERVICE, data: Buffer.from('{"a":1}') });
  expect(sent.statuses.submit).toBe(202);
  return sent;
}

async function finalState(hub: InProcessHub, submissionId: string): Promise<string> {
  return waitFor('a terminal state', async () => {
    const row = await hub.deps.journal.getSubmission(submissionId);
    return row && ['DELIVERED', 'FAILED', 'REJECTED'].includes(row.state) ? row.state : undefined;
  }, 60_000, 100);
}

describe('delivery retries', () => {
  const hubs: InProcessHub[] = [];
  afterAll(async () => {
    for (const hub of hubs) await hub.stop();
  });

  describe('transient errors', () => {
    let ctx: Awaited<ReturnType<typeof hubWithAdapter>>;
    beforeAll(async () => {
      ctx = await hubWithAdapter((dir) => ({ kind: 'flaky-folder', config: { path: join(dir, 'outbox'), failTimes: 3 }, retry: { attempts: 6, backoffMs: 200, maxBackoffMs: 5000 } }));
      hubs.push(ctx.hub);
    });

    it('retry with growing, jittered backoff until delivered; every attempt is journaled', async () => {
      const { submissionId, caseId } = await sendOne(ctx.hub, ctx.cfg);
      expect(await finalState(ctx.hub, submissionId)).toBe('DELIVERED');
      const times = attemptLog.get(`${submissionId}:to-dms`) ?? [];
      expect(times).toHaveLength(4);
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
      // base 200 ms doubling with ±50 % jitter: ≥100, ≥200, ≥400 ms
      expect(gaps[0]).toBeGreaterThanOrEqual(100);
      expect(gaps[1]).toBeGreaterThanOrEqual(200);
      expect(gaps[2]).toBeGreaterThanOrEqual(400);
      const attempts = await ctx.hub.deps.journal.listAttempts(submissionId);
      expect(attempts.map((a) => a.outcome)).toEqual(['transient', 'transient', 'transient', 'success']);
      // the accept event follows the DELIVERED commit (the acknowledgement is its own step): wait for it
      const events = eventNames(await waitForEvents(ctx.hub.sender, caseId, answered, 10_000));
      expect(events).toContain('accept-submission');
    });
  });

  describe('retries exhausted', () => {
    let ctx: Awaited<ReturnType<typeof hubWithAdapter>>;
    beforeAll(async () => {
      ctx = await hubWithAdapter((dir) => ({ kind: 'flaky-folder', config: { path: join(dir, 'outbox'), failTimes: 99 }, retry: { attempts: 3, backoffMs: 50, maxBackoffMs: 200 } }));
      hubs.push(ctx.hub);
    });

    it('becomes FAILED with the reason (dead letter), no accept event, nothing delivered', async () => {
      const { submissionId, caseId } = await sendOne(ctx.hub, ctx.cfg);
      expect(await finalState(ctx.hub, submissionId)).toBe('FAILED');
      const row = await ctx.hub.deps.journal.getSubmission(submissionId);
      expect(row?.reason).toMatch(/retries exhausted after 3 attempts: far side unavailable/);
      const [delivery] = await ctx.hub.deps.journal.listDeliveries(submissionId);
      expect(delivery?.state).toBe('FAILED');
      expect((await ctx.hub.deps.journal.listAttempts(submissionId)).map((a) => a.outcome)).toEqual(['transient', 'transient', 'transient']);
      expect(eventNames(await ctx.hub.sender.events(caseId))).not.toContain('accept-submission');
      expect(await zipsIn(ctx.cfg.outbox)).toEqual([]);
    });
  });

  describe('permanent errors', () => {
    let ctx: Awaited<ReturnType<typeof hubWithAdapter>>;
    beforeAll(async () => {
      // the real dms-folder adapter pointed at a file, not a folder: a permanent error
      ctx = await hubWithAdapter((dir) => ({ kind: 'dms-folder', config: { path: join(dir, 'not-a-folder') }, retry: { attempts: 5, backoffMs: 50, maxBackoffMs: 200 } }), async (dir) => {
        await writeFile(join(dir, 'not-a-folder'), 'x');
      });
      hubs.push(ctx.hub);
    });

    it('stop at once: one attempt, FAILED with the reason', async () => {
      const { submissionId } = await sendOne(ctx.hub, ctx.cfg);
      expect(await finalState(ctx.hub, submissionId)).toBe('FAILED');
      const attempts = await ctx.hub.deps.journal.listAttempts(submissionId);
      expect(attempts.map((a) => a.outcome)).toEqual(['permanent']);
      expect((await ctx.hub.deps.journal.getSubmission(submissionId))?.reason).toMatch(/^permanent: writing .*ENOTDIR/);
    });
  });

  describe('circuit breaker', () => {
    let ctx: Awaited<ReturnType<typeof hubWithAdapter>>;
    beforeAll(async () => {
      ctx = await hubWithAdapter((dir) => ({
        kind: 'flaky-folder',
        config: { path: join(dir, 'outbox'), failTimes: 2 },
        retry: { attempts: 10, backoffMs: 50, maxBackoffMs: 100 },
        circuit: { failureThreshold: 3, cooldownMs: 1500 },
      }));
      hubs.push(ctx.hub);
    });

    it('opens after consecutive failures, holds deliveries back, and closes once a probe succeeds', async () => {
      const sent = await Promise.all([sendOne(ctx.hub, ctx.cfg), sendOne(ctx.hub, ctx.cfg), sendOne(ctx.hub, ctx.cfg)]);
      for (const { submissionId } of sent) expect(await finalState(ctx.hub, submissionId)).toBe('DELIVERED');
      const breaker = new CircuitBreaker(ctx.hub.deps.redis, ctx.cfg.prefix, 'dms', { failureThreshold: 3, cooldownMs: 1500 });
      const state = await breaker.state();
      expect(state.opened).toBeGreaterThanOrEqual(1);
      expect(state.state).toBe('closed');
      // while open, nothing reached the far side: some gap between attempts spans the cool-down
      const all = sent.flatMap(({ submissionId }) => attemptLog.get(`${submissionId}:to-dms`) ?? []).sort((a, b) => a - b);
      const widest = Math.max(...all.slice(1).map((t, i) => t - (all[i] ?? t)));
      expect(widest).toBeGreaterThanOrEqual(1400);
      expect(await zipsIn(ctx.cfg.outbox)).toHaveLength(3);
    });
  });

  describe('operator actions', () => {
    let ctx: Awaited<ReturnType<typeof hubWithAdapter>>;
    beforeAll(async () => {
      ctx = await hubWithAdapter((dir) => ({ kind: 'flaky-folder', config: { path: join(dir, 'outbox'), failTimes: 3 }, retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 100 } }));
      hubs.push(ctx.hub);
    });

    it('redeliver a dead letter with the same idempotency key until it is delivered once', async () => {
      const { submissionId } = await sendOne(ctx.hub, ctx.cfg);
      expect(await finalState(ctx.hub, submissionId)).toBe('FAILED');
      expect(await redeliver(ctx.hub.deps, submissionId, { actor: 'operator:test' })).toEqual(['to-dms']);
      // fresh attempts: the 3rd try fails, the 4th gets through
      expect(await finalState(ctx.hub, submissionId)).toBe('DELIVERED');
      expect(attemptLog.get(`${submissionId}:to-dms`)).toHaveLength(4);
      expect((await ctx.hub.deps.journal.listAttempts(submissionId)).map((a) => a.outcome)).toEqual(['transient', 'transient', 'transient', 'success']);
      expect((await ctx.hub.deps.journal.listAudit({ submissionId, limit: 100 })).filter((a) => a.actor === 'operator:test')).toHaveLength(1);
      await expect(redeliver(ctx.hub.deps, submissionId, { actor: 'operator:test' })).rejects.toMatchObject({ status: 409 });
    });

    it('pause holds deliveries of an adapter instance; resume lets them through', async () => {
      await pauseAdapter(ctx.hub.deps, 'dms', 'operator:test');
      expect(await isAdapterPaused(ctx.hub.deps, 'dms')).toBe(true);
      const { submissionId } = await sendOne(ctx.hub, ctx.cfg);
      await waitFor('routed', async () => ((await ctx.hub.deps.journal.getSubmission(submissionId))?.state === 'ROUTED' ? true : undefined), 30_000, 100);
      // held, not lost: the job waits in the paused queue, where no dispatcher takes it
      const job = await waitFor('the delivery job in the paused queue', async () => ctx.hub.deps.queues.deliverQueue('dms').getJob(deliverJobId(submissionId, 'to-dms')), 30_000, 100);
      expect(['waiting', 'paused']).toContain(await job.getState());
      expect((await ctx.hub.deps.journal.getSubmission(submissionId))?.state).toBe('ROUTED');
      expect(attemptLog.get(`${submissionId}:to-dms`)).toBeUndefined();
      await resumeAdapter(ctx.hub.deps, 'dms', 'operator:test');
      expect(await finalState(ctx.hub, submissionId)).toBe('FAILED'); // failTimes 3 > attempts 2: it was tried again after resume
      expect(attemptLog.get(`${submissionId}:to-dms`)).toHaveLength(2);
    });
  });
});
