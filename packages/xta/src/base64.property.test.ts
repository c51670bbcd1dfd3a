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
    // Any UTF-16 code unit (high and low byte drawn apart), put in or over a character: Node's decoder reads U+0141 as
    // "A" and U+013D as "=", so a check that trusts the decoded length alone passes them.
    const unit = fc.oneof(fc.constantFrom('=', '-', '_', ' ', '\r\n', '\f'), fc.tuple(fc.nat(0xff), fc.nat(0xff)).map(([high, low]) => String.fromCharCode((high << 8) | low)));
    const damaged = fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 30 }), fc.nat(), unit, fc.boolean()).map(([bytes, at, s, replace]) => {
      const b = Buffer.from(bytes).toString('base64');
      const i = at % b.length;
      return b.slice(0, i) + s + b.slice(replace ? i + 1 : i);
    });
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.base64String({ maxLength: 40 }), damaged);
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
