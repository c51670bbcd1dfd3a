import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `cb-${randomBytes(4).toString('hex')}`;
afterAll(async () => {
  const keys = await redis.keys(`{${prefix}}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('CircuitBreaker (real Redis)', () => {
  it('opens after the threshold, lets one probe through after the cooldown, closes on success', async () => {
    const breaker = new CircuitBreaker(redis, prefix, 'a', { failureThreshold: 3, cooldownMs: 1000 });
    const t0 = 1_000_000;
    expect(await breaker.before(t0)).toEqual({ allow: true, probe: false });
    expect(await breaker.onFailure(t0)).toBe(false);
    expect(await breaker.onFailure(t0)).toBe(false);
    expect(await breaker.onFailure(t0)).toBe(true);
    expect((await breaker.state()).state).toBe('open');
    expect(await breaker.before(t0 + 400)).toEqual({ allow: false, waitMs: 600 });
    // after the cooldown exactly one caller gets the probe
    const gates = await Promise.all([breaker.before(t0 + 1001), breaker.before(t0 + 1001), breaker.before(t0 + 1001)]);
    expect(gates.filter((g) => g.allow)).toEqual([{ allow: true, probe: true }]);
    expect((await breaker.state()).state).toBe('half-open');
    expect(await breaker.onSuccess()).toBe(true);
    expect(await breaker.state()).toEqual({ state: 'closed', failures: 0, opened: 1 });
    expect(await breaker.before(t0 + 1002)).toEqual({ allow: true, probe: false });
  });

  it('opens again when the half-open probe fails; a success in between resets the count', async () => {
    const breaker = new CircuitBreaker(redis, prefix, 'b', { failureThreshold: 2, cooldownMs: 500 });
    await breaker.onFailure(0);
    await breaker.onSuccess();
    expect(await breaker.onFailure(0)).toBe(false);
    expect(await breaker.onFailure(0)).toBe(true);
    expect((await breaker.before(600)).allow).toBe(true);
    expect(await breaker.onFailure(600)).toBe(true);
    expect(await breaker.before(700)).toEqual({ allow: false, waitMs: 400 });
    expect((await breaker.state()).opened).toBe(2);
  });

  it('keeps instances apart', async () => {
    const a = new CircuitBreaker(redis, prefix, 'c1', { failureThreshold: 1, cooldownMs: 10_000 });
    const b = new CircuitBreaker(redis, prefix, 'c2', { failureThreshold: 1, cooldownMs: 10_000 });
    await a.onFailure(0);
    expect((await a.before(1)).allow).toBe(false);
    expect((await b.before(1)).allow).toBe(true);
  });
});
