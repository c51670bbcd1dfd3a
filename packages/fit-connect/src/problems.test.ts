import { describe, expect, it } from 'vitest';
import { PROBLEM_NAMES, problem, problemForJweRejection } from './problems.js';

describe('problem', () => {
  it('builds the documented type URI, German title, detail and instance', () => {
    expect(problem('hash-mismatch', 'Die Prüfsumme der Fachdaten stimmt nicht.', 'data')).toEqual({
      type: 'https://schema.fitko.de/fit-connect/events/problems/hash-mismatch',
      title: 'Prüfsumme stimmt nicht',
      detail: 'Die Prüfsumme der Fachdaten stimmt nicht.',
      instance: 'data',
    });
    expect(problem('encryption-issue', 'x', 'attachment:abc').type).toBe(
      'https://schema.fitko.de/fit-connect/events/problems/encryption-issue',
    );
  });

  it('every name is a lowercase URI segment with a title', () => {
    for (const name of PROBLEM_NAMES) {
      expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(problem(name, 'd', 'submission').title.length).toBeGreaterThan(3);
    }
    expect(PROBLEM_NAMES).toEqual(expect.arrayContaining(['encryption-issue', 'hash-mismatch', 'schema-violation', 'attachments-mismatch', 'technical-error']));
  });
});

describe('problemForJweRejection', () => {
  it('maps every JWE refusal to encryption-issue on the right instance', () => {
    for (const reason of ['malformed', 'unknown-kid', 'unsupported-alg', 'unsupported-enc', 'zip-not-allowed', 'decryption-failed'] as const) {
      const p = problemForJweRejection(reason, 'attachment:0b799252-deb9-42b0-98d3-c50d24bbafe0');
      expect(p.type).toBe('https://schema.fitko.de/fit-connect/events/problems/encryption-issue');
      expect(p.instance).toBe('attachment:0b799252-deb9-42b0-98d3-c50d24bbafe0');
    }
    expect(problemForJweRejection('decryption-failed', 'metadata').detail).toBe('Die Metadaten konnten nicht entschlüsselt werden.');
  });
});
