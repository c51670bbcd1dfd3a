import { describe, expect, it } from 'vitest';
import { auditHash, GENESIS_HASH, legacyAuditHash } from './audit-hash.js';
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
      chain: 'submission:s1',
      chainSeq: 1,
      tenantId: 't1',
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
    // chain, position and tenant are evidence too; the global seq is not
    expect(auditHash(GENESIS_HASH, { ...base, chainSeq: 2, details: { x: 1, y: 2 } })).not.toBe(a);
    expect(auditHash(GENESIS_HASH, { ...base, tenantId: 't2', details: { x: 1, y: 2 } })).not.toBe(a);
    expect(auditHash(GENESIS_HASH, { ...base, seq: 99, details: { x: 1, y: 2 } })).toBe(a);
  });

  it('keeps the hash of records written before migration 0006', () => {
    // a record as the old single chain wrote it: sha256(prev + "\n" + canonical JSON of these fields)
    const old = {
      seq: 7, chain: 'legacy', chainSeq: 7, tenantId: null, at: new Date('2025-03-01T12:00:00.123Z'), submissionId: 'abc', actor: 'processor',
      stage: 'open', fromState: 'RECEIVED', toState: 'OPENED', inputHash: null, outputHash: 'ff', details: { b: 1, a: 2 },
    };
    expect(legacyAuditHash(GENESIS_HASH, old)).toBe('f655c86cf521f27f6bd4d614ab24519dd158bf6ba6b30b6fc76a12be4ef53cda');
  });
});
