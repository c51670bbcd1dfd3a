import { describe, expect, it } from 'vitest';
import { resolveConfig } from './load.js';

const base = {
  tenants: [{ id: 'musterstadt', name: 'Stadt Musterstadt', behoerdenkennung: 'ags:05974028' }],
};

describe('orphan blob sweep config', () => {
  it('is on by default with a generous grace period, hourly, in batches of 500', () => {
    expect(resolveConfig(base).orphanBlobs).toEqual({ enabled: true, graceMs: 86_400_000, intervalMs: 3_600_000, batchSize: 500 });
  });

  it('takes each field alone, the others keep their defaults', () => {
    expect(resolveConfig({ ...base, orphanBlobs: { graceMs: 7_200_000 } }).orphanBlobs).toEqual({ enabled: true, graceMs: 7_200_000, intervalMs: 3_600_000, batchSize: 500 });
  });

  it('refuses a grace period under an hour (in-flight uploads), a zero batch and unknown keys, naming the field', () => {
    expect(() => resolveConfig({ ...base, orphanBlobs: { graceMs: 60_000 } })).toThrow(/orphanBlobs\.graceMs/);
    expect(() => resolveConfig({ ...base, orphanBlobs: { batchSize: 0 } })).toThrow(/orphanBlobs\.batchSize/);
    expect(() => resolveConfig({ ...base, orphanBlobs: { graceHours: 1 } as never })).toThrow(/orphanBlobs/);
  });
});
