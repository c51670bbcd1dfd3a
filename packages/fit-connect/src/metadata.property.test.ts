import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createMetadataValidator } from './metadata.js';

/** The official metadata schemas as `npm test` installs them (schemas/fit-connect/manifest.json, sha256-pinned). */
const INSTALLED_SCHEMAS = fileURLToPath(new URL('../../../.weiche/schemas/fit-connect', import.meta.url));

// Issue 13 §6: any decrypted metadata document → valid or a schema problem for the sender, never an
// exception, never the sender's values echoed, in bounded time. FC_SEED / FC_RUNS run it longer.
const seed = Number(process.env.FC_SEED ?? 13013);
const numRuns = Number(process.env.FC_RUNS ?? 300);
const validator = createMetadataValidator({ schemaDir: INSTALLED_SCHEMAS });
const MARK = 'PERSÖNLICH-7f3a';
const HASH = { type: 'sha512', content: 'a'.repeat(128) };

const valid = {
  $schema: 'https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json',
  contentStructure: {
    data: { hash: HASH, submissionSchema: { schemaUri: 'https://schema.fitko.de/fim/s00000096_1.0.schema.json', mimeType: 'application/json' } },
    attachments: [{ attachmentId: '0b799252-deb9-42b0-98d3-c50d24bbafe0', hash: HASH, purpose: 'attachment', mimeType: 'application/pdf', filename: 'plan.pdf' }],
  },
  additionalReferenceInfo: { senderReference: 'REF-1' },
};

/** The valid document with one value somewhere replaced by anything (a marked string among others). */
const mutated = fc
  .tuple(fc.array(fc.constantFrom('$schema', 'contentStructure', 'data', 'hash', 'content', 'type', 'attachments', '0', 'filename', 'mimeType', 'submissionSchema', 'schemaUri', 'additionalReferenceInfo', 'senderReference', 'publicServiceType', '__proto__', 'constructor'), { minLength: 1, maxLength: 5 }), fc.oneof(fc.jsonValue(), fc.constant(MARK), fc.constant('x'.repeat(100_000)), fc.constant('\u0000'), fc.constant({ [MARK]: MARK })))
  .map(([path, value]) => {
    const doc = JSON.parse(JSON.stringify(valid)) as Record<string, unknown>;
    let node: Record<string, unknown> = doc;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null) break;
      node = next as Record<string, unknown>;
    }
    Object.defineProperty(node, path[path.length - 1] ?? 'x', { value, enumerable: true, configurable: true, writable: true });
    return doc;
  });

function judged(document: unknown): void {
  const started = performance.now();
  const result = validator.validate(document);
  if (!result.ok) {
    expect(['schema-violation', 'unsupported-schema']).toContain(result.problem);
    expect(result.errors.join('\n')).not.toContain(MARK);
  }
  expect(performance.now() - started).toBeLessThan(2000);
}

describe('property: the metadata validator judges any document', () => {
  it('arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), judged), { seed, numRuns });
  });

  it('the valid document with one value replaced', () => {
    fc.assert(fc.property(mutated, judged), { seed, numRuns });
  });
});
