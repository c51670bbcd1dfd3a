import { describe, expect, it } from 'vitest';
import { compareSemver, isSemver } from './semver.js';

describe('semver', () => {
  it('orders numerically and puts pre-releases before the release', () => {
    const sorted = ['1.10.0', '1.2.0', '1.10.0-rc.2', '1.10.0-rc.10', '0.9.9', '1.10.0-alpha'].sort(compareSemver);
    expect(sorted).toEqual(['0.9.9', '1.2.0', '1.10.0-alpha', '1.10.0-rc.2', '1.10.0-rc.10', '1.10.0']);
  });
  it('recognises valid versions only', () => {
    expect(isSemver('1.0.0')).toBe(true);
    expect(isSemver('1.0')).toBe(false);
    expect(isSemver('01.0.0')).toBe(false);
  });
});
