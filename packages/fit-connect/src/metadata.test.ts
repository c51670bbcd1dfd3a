import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createMetadataValidator } from './metadata.js';

/** The official metadata schemas as `npm test` installs them (schemas/fit-connect/manifest.json, sha256-pinned). */
const INSTALLED_SCHEMAS = fileURLToPath(new URL('../../../.weiche/schemas/fit-connect', import.meta.url));

const validator = createMetadataValidator({ schemaDir: INSTALLED_SCHEMAS });
const HASH = { type: 'sha512', content: 'a'.repeat(128) };
const ATTACHMENT_ID = '0b799252-deb9-42b0-98d3-c50d24bbafe0';

function v1(): Record<string, unknown> {
  return {
    contentStructure: {
      data: {
        hash: HASH,
        submissionSchema: { schemaUri: 'https://schema.fitko.de/fim/s00000096_1.0.schema.json', mimeType: 'application/json' },
      },
      attachments: [
        { attachmentId: ATTACHMENT_ID, hash: HASH, purpose: 'attachment', mimeType: 'application/pdf', filename: 'plan.pdf' },
      ],
    },
    publicServiceType: { name: 'Bauantrag', identifier: 'urn:de:fim:leika:leistung:99010003001006' },
    additionalReferenceInfo: { senderReference: 'REF-1' },
  };
}

function v2(): Record<string, unknown> {
  const { publicServiceType: _drop, ...rest } = v1();
  return { $schema: 'https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json', ...rest };
}

describe('createMetadataValidator', () => {
  it('accepts valid 1.x metadata (no $schema) and exposes the fields the hub reads', () => {
    const r = validator.validate(v1());
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.version).toBe('1.x');
    expect(r.metadata.contentStructure.attachments[0]?.attachmentId).toBe(ATTACHMENT_ID);
    expect(r.metadata.contentStructure.data?.hash.content).toBe(HASH.content);
    expect(r.metadata.additionalReferenceInfo?.senderReference).toBe('REF-1');
  });

  it('accepts valid 2.x metadata chosen by $schema', () => {
    const r = validator.validate(v2());
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.version).toBe('2.x');
  });

  it('uses the 2.1.0 schema for 2.x: data is required there but not in 1.0.0', () => {
    const noData1 = v1();
    delete (noData1.contentStructure as Record<string, unknown>).data;
    expect(validator.validate(noData1).ok).toBe(true);
    const noData2 = v2();
    delete (noData2.contentStructure as Record<string, unknown>).data;
    const r = validator.validate(noData2);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem).toBe('schema-violation');
      expect(r.errors.join(' ')).toMatch(/data/);
    }
  });

  it.each([
    ['uppercase hash', (m: Record<string, unknown>) => ((m.contentStructure as { data: { hash: { content: string } } }).data.hash.content = 'A'.repeat(128))],
    ['md5 hash type', (m: Record<string, unknown>) => ((m.contentStructure as { data: { hash: { type: string } } }).data.hash.type = 'md5')],
    ['missing contentStructure', (m: Record<string, unknown>) => delete m.contentStructure],
    ['bad purpose', (m: Record<string, unknown>) => ((m.contentStructure as { attachments: Array<{ purpose: string }> }).attachments[0]!.purpose = 'selfie')],
  ])('rejects %s in both versions', (_name, mutate) => {
    for (const make of [v1, v2]) {
      const m = make();
      mutate(m);
      const r = validator.validate(m);
      expect(r.ok).toBe(false);
    }
  });

  it('does not echo values (personal data) in the errors', () => {
    const m = v1();
    (m.additionalReferenceInfo as Record<string, unknown>).senderReference = { name: 'Erika Mustermann' };
    const r = validator.validate(m);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join(' ')).not.toContain('Erika');
  });

  it('refuses an unknown $schema version as unsupported-schema', () => {
    const m = { ...v2(), $schema: 'https://schema.fitko.de/fit-connect/metadata/3.0.0/metadata.schema.json' };
    const r = validator.validate(m);
    expect(r).toMatchObject({ ok: false, problem: 'unsupported-schema' });
    expect(validator.validate([]).ok).toBe(false);
    expect(validator.validate(null).ok).toBe(false);
  });

  it('fails with CONFIG_INVALID when the schema dir lacks the files', () => {
    expect(() => createMetadataValidator({ schemaDir: '/nonexistent' })).toThrow(
      expect.objectContaining({ code: 'WEICHE_ERR_CONFIG_INVALID' }),
    );
  });
});
