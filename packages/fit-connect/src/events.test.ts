import { describe, expect, it } from 'vitest';
import { acceptPayload, buildSetClaims, EVENT_URI, rejectPayload, SET_PAYLOAD_SCHEMA, SET_PAYLOAD_SCHEMA_PATTERN } from './events.js';
import { problem } from './problems.js';

describe('events', () => {
  it('EVENT_URI follows the FIT-Connect scheme', () => {
    expect(EVENT_URI('accept-submission')).toBe('https://schema.fitko.de/fit-connect/events/accept-submission');
  });

  it('buildSetClaims has the SET shape', () => {
    const now = new Date('2024-05-01T10:00:00Z');
    const claims = buildSetClaims({ issuer: 'https://hub', event: 'create-submission', submissionId: 's1', caseId: 'c1', now });
    expect(claims).toEqual({
      $schema: 'https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json',
      iss: 'https://hub',
      iat: 1714557600,
      jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      sub: 'submission:s1',
      txn: 'case:c1',
      events: { 'https://schema.fitko.de/fit-connect/events/create-submission': {} },
    });
    const again = buildSetClaims({ issuer: 'https://hub', event: 'create-submission', submissionId: 's1', caseId: 'c1', now });
    expect(again.jti).not.toBe(claims.jti);
  });

  it('accept payload carries authenticationTags in the documented shape', () => {
    const payload = acceptPayload({ metadata: 'm', data: 'd', attachments: { a1: 't1' } });
    expect(payload).toEqual({ authenticationTags: { metadata: 'm', data: 'd', attachments: { a1: 't1' } } });
    expect(acceptPayload({ metadata: 'm', attachments: {} })).toEqual({ authenticationTags: { metadata: 'm', attachments: {} } });
    const claims = buildSetClaims({ issuer: 'i', event: 'accept-submission', submissionId: 's', caseId: 'c', payload });
    expect(claims.events[EVENT_URI('accept-submission')]).toBe(payload);
  });

  it('names its SET-payload schema, except on an event without the payload that schema prescribes (docs "SET Erzeugung")', () => {
    const ids = { issuer: 'i', submissionId: 's', caseId: 'c' };
    const payloads = {
      'submit-submission': { authenticationTags: { metadata: 'm', attachments: {} } },
      'accept-submission': acceptPayload({ metadata: 'm', attachments: {} }),
      'reject-submission': rejectPayload([problem('missing-data', 'x', 'data')]),
    } as const;
    expect(SET_PAYLOAD_SCHEMA).toMatch(SET_PAYLOAD_SCHEMA_PATTERN);
    expect(buildSetClaims({ ...ids, event: 'create-submission' }).$schema).toBe(SET_PAYLOAD_SCHEMA);
    for (const [event, payload] of Object.entries(payloads) as [keyof typeof payloads, Record<string, unknown>][]) {
      expect(buildSetClaims({ ...ids, event, payload }).$schema, event).toBe(SET_PAYLOAD_SCHEMA);
      expect(buildSetClaims({ ...ids, event }), event).not.toHaveProperty('$schema');
    }
  });

  it('SET_PAYLOAD_SCHEMA_PATTERN takes any 1.x.y set-payload schema and nothing else', () => {
    for (const v of ['1.0.0', '1.0.1', '1.1.0', '1.2.2', '1.10.3']) expect(`https://schema.fitko.de/fit-connect/set-payload/${v}/set-payload.schema.json`).toMatch(SET_PAYLOAD_SCHEMA_PATTERN);
    for (const url of [
      'https://schema.fitko.de/fit-connect/set-payload/2.0.0/set-payload.schema.json',
      'http://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json',
      'https://schema.fitko.de/fit-connect/metadata/1.0.0/metadata.schema.json',
      'https://schema.fitko.de/fit-connect/set-payload/1.0/set-payload.schema.json',
    ]) expect(url).not.toMatch(SET_PAYLOAD_SCHEMA_PATTERN);
  });

  it('reject payload wraps problems and needs at least one', () => {
    const p = problem('missing-data', 'Die Fachdaten fehlen.', 'data');
    expect(rejectPayload([p])).toEqual({ problems: [p] });
    expect(() => rejectPayload([])).toThrow();
  });
});
