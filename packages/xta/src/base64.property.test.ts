import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64Strict } from './base64.js';
import { isXtaFault } from './xta-errors.js';

// Edge parser (docs/property-tests.md): any text gives the bytes it encodes or fault 9052, never other bytes.
const seed = Number(process.env.FC_SEED ?? 13013);
const numRuns = Number(process.env.FC_RUNS ?? 300);

const whitespace = fc.constantFrom(' ', '\t', '\r\n', '\n', '\r');

describe('decodeBase64Strict (property)', () => {
  it('gives back any bytes from their base64 with whitespace anywhere between the characters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.tuple(fc.nat(), whitespace), { maxLength: 20 }), (bytes, breaks) => {
        let text = Buffer.from(bytes).toString('base64');
        for (const [at, ws] of breaks) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + ws + text.slice(i);
        }
        expect(decodeBase64Strict(text, 'part').equals(Buffer.from(bytes))).toBe(true);
      }),
      { seed, numRuns },
    );
  });

  it('answers any text with exactly the bytes whose base64 it is, or 9052', () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.base64String({ maxLength: 40 }).chain((b) => fc.tuple(fc.nat({ max: b.length }), fc.string({ maxLength: 2 })).map(([i, s]) => b.slice(0, i) + s + b.slice(i))));
    fc.assert(
      fc.property(text, (t) => {
        try {
          const bytes = decodeBase64Strict(t, 'part');
          expect(bytes.toString('base64')).toBe(t.replace(/[ \t\r\n]/g, ''));
        } catch (e) {
          expect(isXtaFault(e) && e.fehlernummer === '9052').toBe(true);
        }
      }),
      { seed, numRuns },
    );
  });
});
