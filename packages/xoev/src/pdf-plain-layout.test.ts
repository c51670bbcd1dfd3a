import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { PLAIN_CANDIDATES, PlainLayout, type LayoutFont } from './pdf-plain-layout.js';

const require = createRequire(import.meta.url);
const fontkit = require('fontkit') as { create(buffer: Buffer): LayoutFont };
const load = (file: string): LayoutFont => fontkit.create(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`)));

// What fontkit's own layout gives, in the shape the shortcut returns.
function fontkitLayout(font: LayoutFont, text: string): { ids: number[]; positions: unknown[] } {
  const run = font.layout(text);
  return { ids: run.glyphs.map((g) => g.id), positions: run.positions.map((p) => ({ xAdvance: p.xAdvance, yAdvance: p.yAdvance, xOffset: p.xOffset, yOffset: p.yOffset })) };
}

function plainLayout(plain: PlainLayout, text: string): { ids: number[]; positions: unknown[] } | undefined {
  const run = plain.layout(text);
  return run && { ids: run.glyphs.map((g) => g.id), positions: run.positions };
}

// a deterministic pseudo-random sequence, so a failure names a word that can be reproduced
function* words(alphabet: number[], count: number, seed: number): Generator<string> {
  let x = seed;
  const next = (n: number): number => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
  for (let i = 0; i < count; i++) yield String.fromCodePoint(...Array.from({ length: 1 + next(12) }, () => alphabet[next(alphabet.length)] ?? 0x20));
}

describe('plain layout (fontkit without its shaping engine for plain Latin words)', () => {
  for (const file of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf']) {
    it(`${file}: every pair of ASCII and Latin-1 characters and 3,000 random words laid out exactly as fontkit does`, () => {
      const font = load(file);
      const plain = PlainLayout.of(font, PLAIN_CANDIDATES);
      expect(plain).toBeDefined();
      if (!plain) return;
      const codePoints = plain.plainCodePoints();
      // the letters of German words and of hex digests are plain (so the shortcut is taken at all) …
      for (const ch of 'aeinrstuäöüßAÄÖÜZ0123456789-.,:/ ') expect(codePoints).toContain(ch.codePointAt(0));
      // … the soft hyphen and marks are not, and a ligature's first letter only where it does not ligate
      expect(codePoints).not.toContain(0xad);
      expect(codePoints).not.toContain(0x301);
      expect(plain.layout('Muster\u0301')).toBeUndefined();
      expect(plain.layout('Aufbau')).toBeDefined();
      if (file !== 'DejaVuSansMono.ttf') for (const word of ['Grundfläche', 'Häfi', 'fl']) expect(plain.layout(word), word).toBeUndefined();

      const latin1 = codePoints.filter((cp) => cp < 0x100);
      // the shortcut either declines a word or gives exactly fontkit's glyphs and positions
      let compared = 0;
      const check = (text: string): void => {
        const shortcut = plainLayout(plain, text);
        if (shortcut === undefined) return;
        expect(shortcut, text).toEqual(fontkitLayout(font, text));
        compared++;
      };
      for (const a of latin1) for (const b of latin1) check(String.fromCodePoint(a, b));
      for (const text of words(codePoints, 3000, file.length)) check(text);
      expect(compared).toBeGreaterThan(30_000);
      // most pairs are not kerned and keep no adjustments of their own (memory bounded by a byte per pair)
      expect(plain.kernedPairs()).toBeLessThan(latin1.length ** 2 / 4);
    }, 120_000);
  }

  it('kerns as fontkit does where DejaVu Sans kerns (a word with kerning pairs, digits only, Latin script)', () => {
    const font = load('DejaVuSans.ttf');
    const plain = PlainLayout.of(font, PLAIN_CANDIDATES);
    for (const text of ['AVATAR', 'Tower', 'WAY.', '01.03.2025,', 'T.Y', '„Vögel“']) {
      const run = plain?.layout(text);
      expect(run, text).toBeDefined();
      expect({ ids: run?.glyphs.map((g) => g.id), positions: run?.positions }).toEqual(fontkitLayout(font, text));
    }
    // kerning is really in play: "AV" is narrower than "A" + "V"
    const av = plain?.layout('AV');
    expect(av?.positions[0]?.xAdvance).toBeLessThan(av?.glyphs[0]?.advanceWidth ?? 0);
  });
});
