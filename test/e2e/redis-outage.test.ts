import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch, zipsIn } from '../support/batch.js';
import { dropSchema, tempDir, waitFor } from '../support/env.js';
import { TestSender } from '../support/fit-connect-sender.js';
import { HubProcess, startHubOnFreePort } from '../support/hub-process.js';
import { PrivateRedis } from '../support/redis-server.js';
import { setServerPort, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

function linesWith(hub: HubProcess, text: string): string[] {
  return hub.output.split('\n').filter((line) => line.includes(text));
}

// Redis goes away under a running hub (started directly, as `node services/hub/dist/main.js`): the operator
// gets one warning that says what to do — not a "worker error" line per reconnect of every worker — /readyz
// says not ready, one info line says when Redis is back, and every submission is delivered after all.
describe('Redis outage under a running hub', () => {
  const redis = new PrivateRedis();
  let dir: string;
  let cfg: TestHubConfig;
  let hub: HubProcess;
  let base: string;
  const readyz = async (): Promise<number> => (await fetch(`${base}/readyz`)).status;

  beforeAll(async () => {
    dir = await tempDir('redis-outage');
    await redis.start(dir);
    cfg = await writeTestConfig(dir, { redisUrl: redis.url });
    // REDIS_URL of the test run would override the file's redis.url
    const started = await startHubOnFreePort(async (port) => new HubProcess(['--config', (await setServerPort(cfg, port)).file], { REDIS_URL: redis.url }));
    hub = started.hub;
    base = `http://127.0.0.1:${started.port}`;
  }, 120_000);

  afterAll(async () => {
    await hub?.stop();
    await redis.stop();
    await dropSchema(cfg.schema);
    await rm(dir, { recursive: true, force: true });
  });

  it('warns once with the hint, is not ready meanwhile, tells when Redis is back and loses nothing', async () => {
    const sender = new TestSender(base, cfg.clientId, cfg.clientSecret);
    const before = await sendBatch(sender, cfg.destinationId, 3, 3);
    await waitFor('the first submissions delivered', async () => (await zipsIn(cfg.outbox)).length === 3, 60_000);

    await redis.stop();
    await hub.waitForLog('is not reachable', 30_000);
    // three unready answers take a readiness timeout (2 s) each: the workers reconnect many times meanwhile
    let unready = 0;
    await waitFor('/readyz unready three times', async () => ((await readyz()) === 503 ? ++unready >= 3 : false), 60_000, 100);
    // submissions sent meanwhile wait for Redis instead of failing
    const during = sendBatch(sender, cfg.destinationId, 3, 3);

    expect(linesWith(hub, `Redis at ${redis.url} is not reachable`)).toHaveLength(1);
    const warning = linesWith(hub, 'is not reachable')[0] ?? '';
    expect(warning).toContain('redis-server');
    expect(warning).toContain('docker compose -f deploy/docker-compose.yml up');
    expect(linesWith(hub, '"worker error"')).toEqual([]);
    expect(linesWith(hub, 'redis connection problem')).toEqual([]);

    await redis.restart();
    await hub.waitForLog('Redis is reachable again', 30_000);
    await waitFor('/readyz ready again', async () => (await readyz()) === 200, 30_000);
    const sent = [...before, ...(await during)];
    // Redis came back empty: what it held is re-enqueued from the journal by the reconciler
    await waitFor('every submission delivered', async () => (await zipsIn(cfg.outbox)).length === sent.length, 120_000, 250);
    expect(linesWith(hub, 'Redis is reachable again')).toHaveLength(1);
    expect(linesWith(hub, 'is not reachable')).toHaveLength(1);
  }, 240_000);
});
