import { describe, expect, it } from 'vitest';
import { auditHash, GENESIS_HASH } from './audit-hash.js';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson / auditHash', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('hashes prevHash and content, independent of key order in details', () => {
    const base = {
      seq: 1,
      at: new Date('2025-01-01T00:00:00.000Z'),
      submissionId: 's1',
      actor: 'gateway',
      stage: 'intake',
      fromState: null,
      toState: 'CREATED',
      inputHash: null,
      outputHash: null,
    };
    const a = auditHash(GENESIS_HASH, { ...base, details: { x: 1, y: 2 } });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(auditHash(GENESIS_HASH, { ...base, details: { y: 2, x: 1 } })).toBe(a);
    expect(auditHash('1'.repeat(64), { ...base, details: { x: 1, y: 2 } })).not.toBe(a);
    expect(auditHash(GENESIS_HASH, { ...base, actor: 'mallory', details: { x: 1, y: 2 } })).not.toBe(a);
  });
});
