import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redactUrl } from '@weiche/hub';
import { createRedisConnection, HubQueues } from '@weiche/queue';
import { tempDir } from '../support/env.js';
import { PrivateRedis } from '../support/redis-server.js';

const PASSWORD = 'pw-unix-socket';

// redis.url may name Redis's Unix socket (unix:///run/redis/redis.sock, redis+unix://…), with db and password in the
// query: ioredis takes a socket only as a `path`, so the hub reads the URL into one.
describe('Redis over a Unix socket', () => {
  const redis = new PrivateRedis();
  let tcp: Redis;

  beforeAll(async () => {
    await redis.start(await tempDir('redis-unix-socket'), { unixSocket: true, password: PASSWORD });
    tcp = new Redis(`${redis.url.replace('redis://', `redis://:${PASSWORD}@`)}/3`);
  }, 30_000);

  afterAll(async () => {
    tcp?.disconnect();
    await redis.stop();
  });

  it.each(['unix', 'redis+unix'])('%s:// with ?db= and ?password=: commands and BullMQ jobs reach that db', async (scheme) => {
    const connection = createRedisConnection({ url: `${scheme}://${redis.socket}?db=3&password=${PASSWORD}` });
    try {
      expect(await connection.ping()).toBe('PONG');
      await connection.set(`via-${scheme}`, 'socket');
      // the same server and db, seen over TCP
      expect(await tcp.get(`via-${scheme}`)).toBe('socket');
      const queues = new HubQueues(connection, `sock-${scheme.replace('+', '-')}`, new Map());
      await queues.enqueueProcess({ submissionId: '00000000-0000-4000-8000-000000000001' });
      await queues.close();
      expect((await tcp.keys(`*sock-${scheme.replace('+', '-')}*`)).length).toBeGreaterThan(0);
    } finally {
      connection.disconnect();
    }
  });

  it('logs the socket without the password', () => {
    const shown = redactUrl(`unix://${redis.socket}?db=3&password=${PASSWORD}`);
    expect(shown).toContain(redis.socket);
    expect(shown).not.toContain(PASSWORD);
  });

  it('refuses a socket URL without a path by naming the setting, not the URL', () => {
    expect(() => createRedisConnection({ url: `unix://?password=${PASSWORD}` })).toThrow(/redis\.url \(REDIS_URL\): a Unix socket URL names an absolute path/);
    try {
      createRedisConnection({ url: `unix://?password=${PASSWORD}` });
    } catch (error) {
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(PASSWORD);
    }
  });
});
