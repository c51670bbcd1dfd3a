import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PassFailures } from './pass-failures.js';

describe('PassFailures', () => {
  it('one failure is its message; none is no error', () => {
    const failures = new PassFailures();
    expect(failures.summary()).toBeUndefined();
    failures.add('list submissions → HTTP 503', 'upstream-error');
    expect(failures.summary()).toBe('list submissions → HTTP 503');
  });

  it('counts a cause met by many submissions as one kind (ids masked), names three kinds and counts the rest, within 500 characters', () => {
    const failures = new PassFailures();
    for (let i = 0; i < 50; i++) failures.add(`GET /v1/submissions/${randomUUID()}/attachments/${randomUUID()}: fetch failed (ECONNRESET)`, 'connection');
    for (let i = 0; i < 10; i++) failures.add(`kind ${i}: ${'x'.repeat(300)}`, 'other');
    const summary = failures.summary() ?? '';
    expect(summary).toMatch(/^60 failures in this pass: 50× GET \/v1\/submissions\/…\/attachments\/…: fetch failed \(ECONNRESET\); 1× kind 0: x+…; 1× kind 1: x+…; 8× other — last: kind 9: x+…$/);
    expect(summary.length).toBeLessThanOrEqual(500);
    expect(failures.byKind()).toEqual({ connection: 50, other: 10 });
  });
});
