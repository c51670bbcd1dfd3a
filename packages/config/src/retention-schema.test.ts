import { describe, expect, it } from 'vitest';
import { resolveConfig } from './load.js';

const base = {
  tenants: [{ id: 'musterstadt', name: 'Stadt Musterstadt', behoerdenkennung: 'ags:05974028' }],
};

describe('retention config', () => {
  it('keeps data without a policy and runs hourly by default', () => {
    const config = resolveConfig(base);
    expect(config.tenants[0]?.retention).toBeUndefined();
    expect(config.retention.intervalMs).toBe(3_600_000);
  });

  it('takes outputsDays and ciphertextDays per tenant, either alone', () => {
    const config = resolveConfig({ ...base, tenants: [{ ...base.tenants[0]!, retention: { outputsDays: 30 } }], retention: { intervalMs: 600_000 } });
    expect(config.tenants[0]?.retention).toEqual({ outputsDays: 30 });
    expect(config.retention.intervalMs).toBe(600_000);
  });

  it('refuses negative or fractional days and an interval under a minute, naming the field', () => {
    expect(() => resolveConfig({ ...base, tenants: [{ ...base.tenants[0]!, retention: { outputsDays: -1 } }] })).toThrow(/tenants\.0\.retention\.outputsDays/);
    expect(() => resolveConfig({ ...base, tenants: [{ ...base.tenants[0]!, retention: { ciphertextDays: 1.5 } }] })).toThrow(/tenants\.0\.retention\.ciphertextDays/);
    expect(() => resolveConfig({ ...base, retention: { intervalMs: 1000 } })).toThrow(/retention\.intervalMs/);
  });
});
