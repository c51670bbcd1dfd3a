import { describe, expect, it } from 'vitest';
import { CreateSubmission, EventLog, PublicDestination, SubmissionCreated, SubmitSubmission } from './api-schemas.js';

// values from the examples in submission-api-1.1.3.yaml
const createExample = {
  destinationId: '879ee109-a690-4db8-ab32-424284184d7d',
  announcedAttachments: ['123ee109-a690-4db8-ab32-424284184d7d', '456ee109-a690-4db8-ab32-424284184d7d'],
  serviceType: { name: 'Bauantrag', identifier: 'urn:de:fim:leika:leistung:99010003001006' },
  callback: { url: 'https://my-onlineservice.example.org/callbacks/fit-connect', secret: 'insecure_unsafe_qHScgrg_kP-R31jHUwp3GkVkGJolvBchz65b74Lzue0' },
};

describe('CreateSubmission', () => {
  it('accepts the OpenAPI example', () => {
    expect(CreateSubmission.parse(createExample)).toEqual(createExample);
  });

  it('requires announcedAttachments (OpenAPI CreateSubmission.required); an empty list is fine', () => {
    const { announcedAttachments: _a, ...rest } = createExample;
    expect(CreateSubmission.safeParse(rest).success).toBe(false);
    expect(CreateSubmission.parse({ ...rest, announcedAttachments: [] }).announcedAttachments).toEqual([]);
  });

  it.each([
    ['non-uuid destination', { destinationId: 'nope' }],
    ['non-uuid attachment', { announcedAttachments: ['x'] }],
    ['bad service URN', { serviceType: { name: 'x', identifier: 'leika:123' } }],
    ['http callback', { callback: { url: 'http://example.org/cb', secret: 'x'.repeat(32) } }],
    ['short callback secret', { callback: { url: 'https://example.org/cb', secret: 'short' } }],
  ])('rejects %s', (_n, patch) => {
    expect(CreateSubmission.safeParse({ ...createExample, ...patch }).success).toBe(false);
  });
});

describe('SubmitSubmission', () => {
  it('requires encryptedMetadata and checks the JWE alphabet', () => {
    expect(SubmitSubmission.safeParse({ encryptedMetadata: 'eyJ.a.b.c.d' }).success).toBe(true);
    expect(SubmitSubmission.safeParse({ encryptedData: 'eyJ.a.b.c.d' }).success).toBe(false);
    expect(SubmitSubmission.safeParse({ encryptedMetadata: 'has space' }).success).toBe(false);
  });
});

describe('PublicDestination, SubmissionCreated, EventLog', () => {
  it('accepts the OpenAPI PublicDestination example', () => {
    const example = {
      destinationId: '13ad2349-975c-4167-bcd8-da606b4e1d84',
      status: 'active',
      services: [
        {
          identifier: 'urn:de:fim:leika:leistung:99107004018000',
          submissionSchemas: [{ schemaUri: 'https://schema.fitko.de/fim/s00000122_1.0.0.schema.json', mimeType: 'application/json' }],
          regions: ['DE09415061516', 'DE09420411'],
        },
      ],
      encryptionKid: 'e4142167-7f03-4d4f-a8c9-c7ecc78f55f8',
      replyChannels: { elster: {} },
      metadataVersions: ['1.0.0', '2.1.2'],
    };
    expect(PublicDestination.parse(example)).toEqual(example);
    expect(PublicDestination.safeParse({ ...example, status: 'gone' }).success).toBe(false);
    expect(PublicDestination.safeParse({ ...example, metadataVersions: ['1.0'] }).success).toBe(false);
  });

  it('SubmissionCreated needs all three ids', () => {
    const ok = { destinationId: '879ee109-a690-4db8-ab32-424284184d7d', submissionId: 'ce75a6b8-d72f-4b94-b09e-af6be35bc2ae', caseId: 'e89e107e-ed79-40e6-ad34-4e770f9df26d' };
    expect(SubmissionCreated.parse(ok)).toEqual(ok);
    expect(SubmissionCreated.safeParse({ ...ok, caseId: undefined }).success).toBe(false);
  });

  it('EventLog holds SET strings', () => {
    expect(EventLog.parse({ count: 1, offset: 0, totalCount: 1, eventLog: ['eyJh.eyJp.c2ln'] }).eventLog).toHaveLength(1);
    expect(EventLog.safeParse({ eventLog: ['not-a-jwt'] }).success).toBe(false);
  });
});
