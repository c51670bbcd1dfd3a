import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, deliverQueueName } from '@weiche/queue';
import { DATABASE_URL, dropSchema, REDIS_URL, REPO_ROOT, tempDir } from '../support/env.js';
import { writeTestConfig, type TestHubConfig } from '../support/test-config.js';

async function weiche(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'services/cli/dist/main.js'), ...args], { cwd: REPO_ROOT });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

// The operator's command line acts on the same queues and journal as a running hub.
describe('weiche CLI operations', () => {
  let cfg: TestHubConfig;
  let redis: Redis;
  let queue: Queue;

  beforeAll(async () => {
    cfg = await writeTestConfig(await tempDir('cli-ops'));
    redis = new Redis(REDIS_URL(), { maxRetriesPerRequest: null });
    queue = new Queue(deliverQueueName('dms'), { connection: redis, prefix: bullPrefix(cfg.prefix) });
  });

  afterAll(async () => {
    await queue.close();
    redis.disconnect();
    await dropSchema(cfg.schema);
  });

  it('pauses and resumes an adapter instance, audited with the CLI user as actor', async () => {
    const paused = await weiche('adapter', 'pause', 'dms', '--config', cfg.file);
    expect(paused.out).toContain('adapter instance dms paused');
    expect(paused.code).toBe(0);
    // names the data it worked on, without the password
    const db = new URL(DATABASE_URL());
    expect(paused.out).toContain(`database ${db.host}${db.pathname}, schema ${cfg.schema}`);
    if (db.password) expect(paused.out).not.toContain(db.password);
    expect(paused.out).toContain(`prefix ${cfg.prefix}`);
    expect(await queue.isPaused()).toBe(true);
    const resumed = await weiche('adapter', 'resume', 'dms', '--config', cfg.file);
    expect(resumed.code).toBe(0);
    expect(await queue.isPaused()).toBe(false);
    const audit = await weiche('audit', 'verify', '--config', cfg.file);
    expect(audit.out).toMatch(/audit intact: [1-9]\d* of [1-9]\d* records/);
  }, 180_000);

  it('refuses an unknown adapter instance and a submission that does not exist', async () => {
    expect((await weiche('adapter', 'pause', 'nope', '--config', cfg.file)).code).toBe(1);
    const missing = await weiche('redeliver', '6f1c0a52-0000-4000-8000-000000000000', '--config', cfg.file);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('no such submission');
  });

  it('replays many submissions with a progress line each and a summary', async () => {
    const ids = ['6f1c0a52-0000-4000-8000-000000000001', '6f1c0a52-0000-4000-8000-000000000002', '6f1c0a52-0000-4000-8000-000000000003'];
    const replay = await weiche('replay', ...ids, '--reason', 'mapping fixed', '--config', cfg.file);
    expect(replay.code).toBe(1);
    // ids that name no submission are said to be unknown, not in the wrong state
    expect(replay.out).toContain(`[1/3] ${ids[0]}: not replayed: no such submission`);
    expect(replay.out).toContain(`[3/3] ${ids[2]}: not replayed: no such submission`);
    expect(replay.out).toContain('replayed 0 of 3 submission(s), 3 failed');
  });
});
