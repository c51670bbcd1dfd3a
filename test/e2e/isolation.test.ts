import { describe, expect, it } from 'vitest';
import { runIsolationScenario } from '../support/isolation-scenario.js';

// One slow or dead back office must never hold up another municipality: each adapter instance
// has its own queue, concurrency and breaker. How much B's latency moves while A hangs is a timing
// ratio, measured by the benchmark (test/bench/isolation-bench.ts, docs/benchmarks.md), not asserted here.
describe('isolation between tenants', () => {
  it("delivers all of B's submissions while A's endpoint hangs, and holds A's without losing them", async () => {
    const result = await runIsolationScenario({ perTenant: 20 });
    expect(result.healthy.n).toBe(20);
    // every one of B's submissions was delivered while A's endpoint hung
    expect(result.aHanging.n).toBe(20);
    // A's submissions were not delivered while its endpoint hung, and none were lost
    expect(result.aStatesDuringHang.DELIVERED ?? 0).toBe(0);
    expect(Object.values(result.aStatesDuringHang).reduce((a, b) => a + b, 0)).toBe(20);
    expect(Object.keys(result.aStatesDuringHang).every((s) => ['ROUTED', 'DELIVERING', 'FAILED'].includes(s))).toBe(true);
  }, 300_000);
});
