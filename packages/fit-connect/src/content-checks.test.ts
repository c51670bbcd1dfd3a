import { describe, expect, it } from 'vitest';
import { checkAnnouncedAttachments, checkHash } from './content-checks.js';

const A = '0b799252-deb9-42b0-98d3-c50d24bbafe0';
const B = '25abf553-0e53-43b9-a14a-1581b32a9ee5';
const hash = { type: 'sha512' as const, content: 'a'.repeat(128) };
const meta = (...ids: string[]) => ({
  contentStructure: { attachments: ids.map((attachmentId) => ({ attachmentId, hash, purpose: 'attachment', mimeType: 'application/pdf' })) },
});

describe('checkAnnouncedAttachments', () => {
  it('passes when the sets are equal (order and case do not matter)', () => {
    expect(checkAnnouncedAttachments([A, B], meta(B, A.toUpperCase()))).toBeUndefined();
    expect(checkAnnouncedAttachments([], meta())).toBeUndefined();
  });

  it('announced but not in the metadata → attachments-mismatch', () => {
    const p = checkAnnouncedAttachments([A, B], meta(A));
    expect(p?.type).toBe('https://schema.fitko.de/fit-connect/events/problems/attachments-mismatch');
    expect(p?.instance).toBe('metadata');
    expect(p?.detail).toContain(B);
  });

  it('in the metadata but never announced → attachments-mismatch', () => {
    const p = checkAnnouncedAttachments([A], meta(A, B));
    expect(p?.type).toMatch(/attachments-mismatch$/);
    expect(p?.detail).toContain(B);
  });

  it('a duplicate id in the metadata → attachments-mismatch', () => {
    expect(checkAnnouncedAttachments([A], meta(A, A))?.type).toMatch(/attachments-mismatch$/);
  });
});

describe('checkHash', () => {
  it('passes on equal digests regardless of hex case', () => {
    expect(checkHash('ab'.repeat(64), 'AB'.repeat(64), 'data')).toBeUndefined();
  });

  it('reports hash-mismatch for data and attachments', () => {
    expect(checkHash('ab'.repeat(64), 'cd'.repeat(64), 'data')).toEqual({
      type: 'https://schema.fitko.de/fit-connect/events/problems/hash-mismatch',
      title: 'Prüfsumme stimmt nicht',
      detail: 'Die Prüfsumme der Fachdaten stimmt nicht.',
      instance: 'data',
    });
    const p = checkHash('ab'.repeat(64), 'ab', `attachment:${A}`);
    expect(p?.instance).toBe(`attachment:${A}`);
    expect(p?.detail).toContain(A);
  });
});
