import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch, zipsIn } from '../support/batch.js';
import { tempDir, waitFor } from '../support/env.js';
import { startInProcessHub, type InProcessHub } from '../support/hub-in-process.js';
import { PrivateRedis } from '../support/redis-server.js';
import { writeTestConfig, type TestHubConfig } from '../support/test-config.js';

const BATCH = 60;

// PostgreSQL is the source of truth and Redis only the work list: when Redis loses everything in
// the middle of a batch, the reconciler re-enqueues every unfinished submission from the journal.
describe('Redis flushed in the middle of a batch', () => {
  const redis = new PrivateRedis();
  let cfg: TestHubConfig;
  let hub: InProcessHub;

  beforeAll(async () => {
    const dir = await tempDir('flush');
    await redis.start(dir);
    cfg = await writeTestConfig(dir, { redisUrl: redis.url });
    hub = await startInProcessHub(cfg);
  });

  afterAll(async () => {
    await hub.stop();
    await redis.stop();
  });

  it(`brings all ${BATCH} submissions to DELIVERED through the reconciler`, async () => {
    const unfinished = async (): Promise<number> => (await hub.deps.journal.listUnfinished({ olderThanMs: 0, limit: 1000 })).length;
    const sending = sendBatch(hub.sender, cfg.destinationId, BATCH);
    await waitFor('a few deliveries', async () => ((await zipsIn(cfg.outbox)).length >= 5 ? true : undefined), 120_000, 50);
    await redis.flushAll();
    const sent = await sending;
    expect(sent).toHaveLength(BATCH);
    await waitFor('every submission delivered', async () => {
      const zips = await zipsIn(cfg.outbox);
      return zips.length === BATCH && (await unfinished()) === 0 ? true : undefined;
    }, 180_000, 500);
    for (const { submissionId } of sent) {
      expect((await hub.deps.journal.getSubmission(submissionId))?.state).toBe('DELIVERED');
    }
    expect(new Set(await zipsIn(cfg.outbox)).size).toBe(BATCH);
  }, 240_000);
});
