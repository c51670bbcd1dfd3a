import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode } from '@weiche/core';
import { MappingRegistry } from './mapping-registry.js';
import type { MappingModule, MappingSource, TargetProfile } from './types.js';

function mod(id: string, version: string, sources: MappingSource[], target: TargetProfile = 'xdomea-3.1.0:0401'): MappingModule<unknown> {
  return {
    id,
    version,
    sources,
    target,
    inputSchema: z.unknown(),
    map: () => {
      throw new Error('not called');
    },
  };
}

const BAU = 'urn:xoev-de:xfall:standard:fim-s00000096_1.0';

describe('MappingRegistry', () => {
  it('prefers an exact schemaUri over the wildcard, whatever the versions', () => {
    const r = new MappingRegistry();
    r.register(mod('generic', '9.0.0', [{ schemaUri: '*' }]));
    r.register(mod('bau', '1.0.0', [{ schemaUri: BAU }]));
    expect(r.resolve({ schemaUri: BAU, target: 'xdomea-3.1.0:0401' }).id).toBe('bau');
    expect(r.resolve({ schemaUri: 'urn:other', target: 'xdomea-3.1.0:0401' }).id).toBe('generic');
  });

  it('picks the highest semver version unless one is asked for', () => {
    const r = new MappingRegistry();
    for (const v of ['1.2.0', '1.10.0', '1.10.0-rc.1', '1.9.3']) r.register(mod('bau', v, [{ schemaUri: BAU }]));
    expect(r.resolve({ schemaUri: BAU, target: 'xdomea-3.1.0:0401' }).version).toBe('1.10.0');
    expect(r.resolve({ schemaUri: BAU, target: 'xdomea-3.1.0:0401', version: '1.2.0' }).version).toBe('1.2.0');
  });

  it('filters by target and module id', () => {
    const r = new MappingRegistry();
    r.register(mod('bau-xdomea', '1.0.0', [{ schemaUri: BAU }]));
    r.register(mod('bau-xbau', '1.0.0', [{ schemaUri: BAU }], 'xbau-2.6:0200'));
    r.register(mod('generic', '1.0.0', [{ schemaUri: '*' }]));
    expect(r.resolve({ schemaUri: BAU, target: 'xbau-2.6:0200' }).id).toBe('bau-xbau');
    expect(r.resolve({ schemaUri: BAU, target: 'xdomea-3.1.0:0401', moduleId: 'generic' }).id).toBe('generic');
  });

  it('throws UNSUPPORTED_SCHEMA (not retryable) when nothing fits', () => {
    const r = new MappingRegistry();
    r.register(mod('bau', '1.0.0', [{ schemaUri: BAU }]));
    const attempt = () => r.resolve({ schemaUri: 'urn:unknown', target: 'xdomea-3.1.0:0401' });
    expect(attempt).toThrow(expect.objectContaining({ code: ErrorCode.UNSUPPORTED_SCHEMA, retryable: false }));
    expect(() => r.resolve({ schemaUri: BAU, target: 'xdomea-3.1.0:0401', version: '2.0.0' })).toThrow(/2\.0\.0/);
  });

  it('refuses duplicates and non-semver versions', () => {
    const r = new MappingRegistry();
    r.register(mod('bau', '1.0.0', [{ schemaUri: BAU }]));
    expect(() => r.register(mod('bau', '1.0.0', [{ schemaUri: '*' }]))).toThrow(expect.objectContaining({ code: ErrorCode.CONFLICT }));
    expect(() => r.register(mod('bau', 'v1', [{ schemaUri: BAU }]))).toThrow(expect.objectContaining({ code: ErrorCode.CONFIG_INVALID }));
    expect(r.list()).toHaveLength(1);
  });
});
