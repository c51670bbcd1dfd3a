import { describe, expect, it } from 'vitest';
import { runIsolationScenario } from '../support/isolation-scenario.js';

// One slow or dead back office must never hold up another municipality: each adapter instance
// has its own queue, concurrency and breaker. Figures and the benchmark: docs/benchmarks.md.
describe('isolation between tenants', () => {
  it("keeps B's p99 latency within 1.5× of the healthy run while A's endpoint hangs", async () => {
    const result = await runIsolationScenario({ perTenant: 20 });
    console.log(`isolation: B p99 ${result.healthy.p99Ms} ms healthy, ${result.aHanging.p99Ms} ms while A hangs (ratio ${result.p99Ratio.toFixed(2)}); A: ${JSON.stringify(result.aStatesDuringHang)}`);
    expect(result.healthy.n).toBe(20);
    expect(result.aHanging.n).toBe(20);
    expect(result.p99Ratio).toBeLessThanOrEqual(1.5);
    // A's submissions were not delivered while its endpoint hung, and none were lost
    expect(result.aStatesDuringHang.DELIVERED ?? 0).toBe(0);
    expect(Object.keys(result.aStatesDuringHang).every((s) => ['ROUTED', 'DELIVERING', 'FAILED'].includes(s))).toBe(true);
  }, 300_000);
});
