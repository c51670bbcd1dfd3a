import { describe, expect, it } from 'vitest';
import { createRedisConnection } from '@weiche/queue';
import { describeRedis, redactUrl } from './context.js';
import { isRedisConnectionError, OUTAGE_REPEAT_MS, RedisOutage } from './redis-outage.js';

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6399'), { code: 'ECONNREFUSED' });
}

function harness(connected = false) {
  const lines: Array<{ level: 'warn' | 'info'; msg: string; fields: Record<string, unknown> }> = [];
  let now = 1_000_000;
  const state = { connected };
  const outage = new RedisOutage({
    log: {
      warn: ((fields: Record<string, unknown>, msg: string) => lines.push({ level: 'warn', msg, fields })) as never,
      info: ((fields: Record<string, unknown>, msg: string) => lines.push({ level: 'info', msg, fields })) as never,
    },
    where: 'redis://127.0.0.1:6399',
    connected: () => state.connected,
    now: () => now,
  });
  return { outage, lines, state, advance: (ms: number) => (now += ms) };
}

describe('RedisOutage', () => {
  it('tells an outage once with what to do, however many connections report each reconnect', () => {
    const { outage, lines, advance } = harness();
    for (let i = 0; i < 40; i++) {
      outage.connectionError(refused());
      for (const queue of ['process', 'callback', 'deliver-dms']) outage.workerError(queue, refused());
      advance(1000);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('warn');
    expect(lines[0]?.msg).toContain('Redis at redis://127.0.0.1:6399 is not reachable');
    expect(lines[0]?.msg).toContain('redis-server');
    expect(lines[0]?.msg).toContain('docker compose -f deploy/docker-compose.yml');
    expect(outage.down).toBe(true);
  });

  it('tells refused credentials (WRONGPASS, NOAUTH) once, naming the password setting, not a line per reconnect', () => {
    // ioredis reconnects after a refused AUTH about three times a second, on every connection
    const { outage, lines, advance } = harness();
    const wrongPass = (): Error => new Error('WRONGPASS invalid username-password pair or user is disabled.');
    const noAuth = (): Error => new Error('NOAUTH Authentication required.');
    for (let i = 0; i < 30; i++) {
      outage.connectionError(wrongPass());
      for (const queue of ['process', 'callback']) outage.workerError(queue, i % 2 ? noAuth() : wrongPass());
      advance(300);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('warn');
    expect(lines[0]?.msg).toContain('refuses the credentials');
    expect(lines[0]?.msg).toContain('password');
    expect(lines[0]?.msg).not.toContain('redis-server --daemonize');
    expect(outage.down).toBe(true);
  });

  it('repeats at most once per interval while the outage lasts, with how long and how many attempts', () => {
    const { outage, lines, advance } = harness();
    for (let i = 0; i < 150; i++) {
      outage.workerError('process', refused());
      advance(1000);
    }
    // 150 s of attempts: the first warning, then one at 60 s and one at 120 s
    expect(lines.map((l) => l.msg)).toEqual(['Redis at redis://127.0.0.1:6399 is not reachable: queue workers wait and reconnect by themselves, nothing is lost; /readyz answers 503 until it is back. ' + lines[0]?.fields.hint, 'Redis at redis://127.0.0.1:6399 is still not reachable', 'Redis at redis://127.0.0.1:6399 is still not reachable']);
    expect(lines[1]?.fields).toMatchObject({ downSeconds: OUTAGE_REPEAT_MS / 1000, failedAttempts: 61 });
  });

  it('says once at info when Redis is back, and a later outage is told again', () => {
    const { outage, lines, state, advance } = harness();
    outage.connectionError(refused());
    advance(5000);
    outage.connectionError(refused());
    state.connected = true;
    outage.connected();
    outage.connected();
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info']);
    expect(lines[1]).toMatchObject({ msg: 'Redis is reachable again: queued work continues', fields: { downSeconds: 5, failedAttempts: 2 } });
    expect(outage.down).toBe(false);
    state.connected = false;
    outage.connectionError(refused());
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info', 'warn']);
  });

  it('a worker still reconnecting after the shared connection is back is told per queue at most once per interval, not as a new outage', () => {
    const { outage, lines, advance } = harness(true);
    for (let i = 0; i < 10; i++) {
      outage.workerError('process', refused());
      advance(1000);
    }
    expect(outage.down).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.fields).toMatchObject({ queue: 'process' });
  });

  it('other errors are told as they come', () => {
    const { outage, lines } = harness(true);
    outage.workerError('process', new Error('Missing lock for job 7. moveToFinished'));
    // a command refused for a reason of its own, not Redis being unusable (refused credentials are: see above)
    outage.connectionError(new Error('OOM command not allowed when used memory > maxmemory'));
    expect(lines.map((l) => l.msg)).toEqual(['worker error', 'redis connection problem']);
    expect(outage.down).toBe(false);
  });

  it('knows a connection failure by its code or its message', () => {
    expect(isRedisConnectionError(refused())).toBe(true);
    expect(isRedisConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isRedisConnectionError(Object.assign(new Error('getaddrinfo ENOTFOUND redis'), { code: 'ENOTFOUND' }))).toBe(true);
    expect(isRedisConnectionError(new Error('NOSCRIPT No matching script'))).toBe(false);
  });

  // rediss:// with a certificate the hub does not trust: ioredis reports every reconnect (a few a second)
  it('tells a failing TLS handshake (rediss://) once, as an outage', () => {
    const untrusted = (): Error => Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    for (const code of ['CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER']) {
      expect(isRedisConnectionError(Object.assign(new Error('tls'), { code }))).toBe(true);
    }
    const { outage, lines, advance } = harness();
    for (let i = 0; i < 20; i++) {
      outage.connectionError(untrusted());
      outage.workerError('process', untrusted());
      advance(300);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]?.msg).toContain('is not reachable');
    // the error itself: the hub's logger names it by its facts (errno DEPTH_ZERO_SELF_SIGNED_CERT), not its message
    expect(lines[0]?.fields.err).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(outage.down).toBe(true);
  });
});

describe('describeRedis', () => {
  it('names the URL without its password, or the nodes a Sentinel or Cluster config really asks', () => {
    expect(describeRedis({ url: 'redis://:geheim@cache.intern:6380/1' })).toBe('redis://:***@cache.intern:6380/1');
    // the URL's host is a placeholder then: naming it would send the operator to the wrong machine
    expect(describeRedis({ url: 'redis://:geheim@ignored:6379/0', sentinel: { name: 'mymaster', nodes: ['s1:26379', 's2:26379'] } })).toBe('sentinel "mymaster" via s1:26379,s2:26379');
    expect(describeRedis({ url: 'redis://:geheim@ignored', cluster: { nodes: ['r1:6379', 'r2:6379'] } })).toBe('cluster nodes r1:6379,r2:6379');
  });

  // ioredis and node-postgres both take the password from the query too (redis://host?password=…)
  it('masks a password given as a query parameter', () => {
    const described = describeRedis({ url: 'redis://cache.intern:6380/1?password=geheim&family=6' });
    expect(described).not.toContain('geheim');
    expect(described).toContain('family=6');
    expect(redactUrl('postgres://hub@db.intern/weiche?password=geheim&sslpassword=auch-geheim&application_name=w')).toBe('postgres://hub@db.intern/weiche?password=***&sslpassword=***&application_name=w');
  });
});

describe('isRedisConnectionError', () => {
  it('takes a Unix socket that is not there (connect ENOENT) for Redis not reachable, as ioredis reports it', async () => {
    const redis = createRedisConnection({ url: `unix:///tmp/weiche-no-such-redis-${process.pid}.sock` });
    try {
      const error = await new Promise<Error>((resolve) => redis.once('error', resolve));
      expect(error.message).toMatch(/connect ENOENT/);
      expect(isRedisConnectionError(error)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });
});
