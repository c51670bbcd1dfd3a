import { describe, expect, it } from 'vitest';
import { acceptPayload, buildSetClaims, EVENT_URI, rejectPayload } from './events.js';
import { problem } from './problems.js';

describe('events', () => {
  it('EVENT_URI follows the FIT-Connect scheme', () => {
    expect(EVENT_URI('accept-submission')).toBe('https://schema.fitko.de/fit-connect/events/accept-submission');
  });

  it('buildSetClaims has the SET shape', () => {
    const now = new Date('2024-05-01T10:00:00Z');
    const claims = buildSetClaims({ issuer: 'https://hub', event: 'submit-submission', submissionId: 's1', caseId: 'c1', now });
    expect(claims).toEqual({
      iss: 'https://hub',
      iat: 1714557600,
      jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      sub: 'submission:s1',
      txn: 'case:c1',
      events: { 'https://schema.fitko.de/fit-connect/events/submit-submission': {} },
    });
    const again = buildSetClaims({ issuer: 'https://hub', event: 'submit-submission', submissionId: 's1', caseId: 'c1', now });
    expect(again.jti).not.toBe(claims.jti);
  });

  it('accept payload carries authenticationTags in the documented shape', () => {
    const payload = acceptPayload({ metadata: 'm', data: 'd', attachments: { a1: 't1' } });
    expect(payload).toEqual({ authenticationTags: { metadata: 'm', data: 'd', attachments: { a1: 't1' } } });
    expect(acceptPayload({ metadata: 'm', attachments: {} })).toEqual({ authenticationTags: { metadata: 'm', attachments: {} } });
    const claims = buildSetClaims({ issuer: 'i', event: 'accept-submission', submissionId: 's', caseId: 'c', payload });
    expect(claims.events[EVENT_URI('accept-submission')]).toBe(payload);
  });

  it('reject payload wraps problems and needs at least one', () => {
    const p = problem('missing-data', 'Die Fachdaten fehlen.', 'data');
    expect(rejectPayload([p])).toEqual({ problems: [p] });
    expect(() => rejectPayload([])).toThrow();
  });
});
