import { describe, expect, it } from 'vitest';
import { checkDelegations, delegationFor, DelegationList } from './delegation.js';
import { resolveConfig } from './load.js';

const GEWERBE = 'urn:de:fim:leika:leistung:99050012104000';
const base = {
  tenants: [
    { id: 'stadt-a', name: 'A', behoerdenkennung: 'ags:00000001' },
    { id: 'stadt-b', name: 'B', behoerdenkennung: 'ags:00000002' },
    { id: 'stadt-c', name: 'C', behoerdenkennung: 'ags:00000003' },
  ],
};

describe('delegations', () => {
  it('picks the exact service before "*", within [validFrom, validUntil)', () => {
    const list = DelegationList.parse([
      { id: 'alles', from: 'stadt-a', service: '*', to: 'stadt-c', reason: 'r' },
      { id: 'gewerbe', from: 'stadt-a', service: GEWERBE, to: 'stadt-b', validFrom: '2026-01-01T00:00:00+01:00', validUntil: '2026-07-01T00:00:00+02:00', reason: 'r' },
    ]);
    expect(delegationFor(list, 'stadt-a', GEWERBE, new Date('2026-03-01T12:00:00Z'))?.id).toBe('gewerbe');
    expect(delegationFor(list, 'stadt-a', GEWERBE, new Date('2025-12-31T22:59:59Z'))?.id).toBe('alles');
    expect(delegationFor(list, 'stadt-a', GEWERBE, new Date('2025-12-31T23:00:00Z'))?.id).toBe('gewerbe');
    // validUntil is exclusive: received at the end, the owner's "*" delegation applies again
    expect(delegationFor(list, 'stadt-a', GEWERBE, new Date('2026-06-30T22:00:00Z'))?.id).toBe('alles');
    expect(delegationFor(list, 'stadt-b', GEWERBE, new Date('2026-03-01T12:00:00Z'))).toBeUndefined();
  });

  it('is strict: unknown keys, equal from/to, reversed windows and missing reasons are refused', () => {
    expect(DelegationList.safeParse([{ id: 'x', from: 'stadt-a', service: '*', to: 'stadt-b', reason: 'r', toTenant: 'stadt-c' }]).success).toBe(false);
    expect(DelegationList.safeParse([{ id: 'x', from: 'stadt-a', service: '*', to: 'stadt-a', reason: 'r' }]).success).toBe(false);
    expect(DelegationList.safeParse([{ id: 'x', from: 'stadt-a', service: '*', to: 'stadt-b', reason: 'r', validFrom: '2026-02-01T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' }]).success).toBe(false);
    expect(DelegationList.safeParse([{ id: 'x', from: 'stadt-a', service: '*', to: 'stadt-b' }]).success).toBe(false);
  });

  it('reports unknown tenants, duplicate ids and overlapping windows of one tenant and service; adjacent windows are fine', () => {
    const list = DelegationList.parse([
      { id: 'x', from: 'stadt-a', service: GEWERBE, to: 'stadt-b', validUntil: '2026-01-01T00:00:00Z', reason: 'r' },
      { id: 'y', from: 'stadt-a', service: GEWERBE, to: 'stadt-c', validFrom: '2026-01-01T00:00:00Z', reason: 'r' },
      { id: 'y', from: 'stadt-a', service: GEWERBE, to: 'stadt-z', validFrom: '2026-06-01T00:00:00Z', reason: 'r' },
    ]);
    expect(checkDelegations(list, new Set(['stadt-a', 'stadt-b', 'stadt-c']))).toEqual([
      'delegations: duplicate id "y"',
      'delegations.2.to: unknown tenant "stadt-z"',
      'delegations.2: overlaps delegation "y" (same tenant and service)',
    ]);
  });

  it('is an optional config key, checked with the rest of the file', () => {
    expect(resolveConfig(base).delegations).toBeUndefined();
    expect(resolveConfig({ ...base, delegations: [] }).delegations).toEqual([]);
    expect(() => resolveConfig({ ...base, delegations: [{ id: 'x', from: 'stadt-q', service: '*', to: 'stadt-b', reason: 'r' }] })).toThrow(/delegations\.0\.from: unknown tenant "stadt-q"/);
    // a back office without a route for the service would fail every application it gets
    const routed = {
      ...base,
      adapters: [{ id: 'dms', kind: 'dms-folder', config: { path: 'outbox' } }],
      routes: [{ id: 'b-gewerbe', tenant: 'stadt-b', service: GEWERBE, target: 'xdomea-3.1.0:0401', adapter: 'dms' }],
    };
    expect(resolveConfig({ ...routed, delegations: [{ id: 'x', from: 'stadt-a', service: GEWERBE, to: 'stadt-b', reason: 'r' }] }).delegations).toHaveLength(1);
    expect(() => resolveConfig({ ...routed, delegations: [{ id: 'x', from: 'stadt-a', service: '*', to: 'stadt-b', reason: 'r' }] })).toThrow(/delegations\.0\.to: tenant "stadt-b" has no route for every service/);
    expect(() => resolveConfig({ ...routed, delegations: [{ id: 'x', from: 'stadt-a', service: GEWERBE, to: 'stadt-c', reason: 'r' }] })).toThrow(/delegations\.0\.to: tenant "stadt-c" has no route for urn/);
  });
});
