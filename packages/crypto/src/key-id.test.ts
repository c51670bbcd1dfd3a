import { describe, expect, it } from 'vitest';
import { comparableKid, findByKid, sameKid } from './key-id.js';

const FULL = 'WWoyvkJd3quxS69FQtcg2l8o13dE9AgSKtC2EqJ6hSM'; // a former kid: the full SHA-256 thumbprint
const CUT = FULL.slice(0, 32); // the same key's kid now

describe('kid comparison across the former 43-character form', () => {
  it('a former full-thumbprint kid names the same key as its first 32 characters, either way round', () => {
    expect(comparableKid(FULL)).toBe(CUT);
    expect(sameKid(FULL, CUT)).toBe(true);
    expect(sameKid(CUT, FULL)).toBe(true);
    expect(sameKid(FULL, FULL)).toBe(true);
  });

  it('other kids compare exactly: another thumbprint, a UUID, a prefix of other length, a non-string', () => {
    expect(sameKid(FULL, `${CUT.slice(0, 31)}x`)).toBe(false);
    expect(sameKid(`x${FULL.slice(1)}`, CUT)).toBe(false);
    const uuid = 'c66e4423-e28d-4a1f-911d-818f9ab60221';
    expect(comparableKid(uuid)).toBe(uuid);
    expect(sameKid(uuid, uuid.slice(0, 32))).toBe(false);
    expect(sameKid(FULL.slice(0, 40), CUT)).toBe(false);
    expect(sameKid(undefined, undefined)).toBe(false);
  });

  it('findByKid finds an entry by either form, the exact one first', () => {
    expect(findByKid(new Map([[CUT, 'now']]), FULL)).toBe('now');
    expect(findByKid(new Map([[FULL, 'before']]), CUT)).toBe('before');
    expect(findByKid(new Map([['other', 1], [CUT, 2]]), CUT)).toBe(2);
    expect(findByKid(new Map([[CUT, 1]]), 42)).toBeUndefined();
    expect(findByKid(new Map([[CUT, 1]]), 'unknown-kid')).toBeUndefined();
  });
});
