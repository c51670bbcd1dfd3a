import { describe, expect, it } from 'vitest';
import { MISSING_ATTACHMENT_TRIES, MissingAttachments } from './missing-attachments.js';

describe('MissingAttachments', () => {
  const POLL = 1000;
  const tries = (missing: MissingAttachments, id: string, at: (i: number) => number): boolean[] =>
    Array.from({ length: MISSING_ATTACHMENT_TRIES }, (_, i) => missing.missed(id, at(i)));

  it('refuses on the last of the tries once they span the poll intervals', () => {
    expect(tries(new MissingAttachments(POLL), 'a', (i) => i * POLL)).toEqual([...Array<boolean>(MISSING_ATTACHMENT_TRIES - 1).fill(false), true]);
  });

  it('does not refuse tries that came back to back (callbacks), only once the time has passed too', () => {
    const missing = new MissingAttachments(POLL);
    expect(tries(missing, 'a', () => 0)).not.toContain(true);
    expect(missing.missed('a', (MISSING_ATTACHMENT_TRIES - 1) * POLL)).toBe(true);
  });

  it('counts afresh after forget, and for what the last pass no longer listed', () => {
    const missing = new MissingAttachments(POLL);
    tries(missing, 'a', (i) => i * POLL);
    missing.forget('a');
    expect(missing.missed('a', 100 * POLL)).toBe(false);
    tries(missing, 'b', (i) => i * POLL);
    missing.keepOnly(new Set(['a']));
    expect(missing.missed('b', 100 * POLL)).toBe(false);
  });
});
