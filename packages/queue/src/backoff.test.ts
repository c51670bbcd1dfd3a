import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const policy = { attempts: 8, backoffMs: 1000, maxBackoffMs: 10_000 };

describe('backoffDelay', () => {
  it('doubles per attempt within ±50 % jitter and respects the cap', () => {
    expect(backoffDelay(policy, 1, undefined, () => 0.5)).toBe(1000);
    expect(backoffDelay(policy, 3, undefined, () => 0.5)).toBe(4000);
    expect(backoffDelay(policy, 3, undefined, () => 0)).toBe(2000);
    expect(backoffDelay(policy, 3, undefined, () => 0.999)).toBeLessThan(6000);
    expect(backoffDelay(policy, 20, undefined, () => 0.5)).toBe(10_000);
  });

  it('spreads delays of simultaneous failures', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(policy, 2)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('waits at least as long as the far side asked', () => {
    expect(backoffDelay(policy, 1, 30_000, () => 0.5)).toBe(30_000);
  });
});
