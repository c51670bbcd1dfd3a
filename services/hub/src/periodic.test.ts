import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runPeriodically } from './periodic.js';

describe('runPeriodically', () => {
  it('runs one pass at a time: a slow pass delays the next, never overlaps it; stop waits for the pass in progress', async () => {
    let active = 0;
    let maxActive = 0;
    let passes = 0;
    const loop = runPeriodically(async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await sleep(30);
      passes += 1;
      active -= 1;
    }, 5, { atStart: true });
    // the interval (5 ms) elapses several times during each pass (30 ms): wait for passes, not for a time,
    // so a busy machine that runs fewer passes in a given time cannot fail the check
    for (const deadline = Date.now() + 30_000; passes < 3 && Date.now() < deadline; ) await sleep(10);
    await loop.stop();
    expect(maxActive).toBe(1);
    expect(passes).toBeGreaterThanOrEqual(3);
    expect(active).toBe(0);
  });

  it('runs at start only when asked, once more on stop when asked, and goes on after a failing pass', async () => {
    const calls: string[] = [];
    const quiet = runPeriodically(async () => void calls.push('quiet'), 60_000);
    await quiet.stop();
    expect(calls).toEqual([]);

    let n = 0;
    const failing = runPeriodically(async () => {
      n += 1;
      if (n === 1) throw new Error('first pass fails');
    }, 60_000, { atStart: true, passOnStop: true });
    await failing.stop();
    expect(n).toBe(2);
  });
});
