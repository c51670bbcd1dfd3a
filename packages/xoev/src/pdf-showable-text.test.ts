import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { showable, type GlyphFont } from './pdf-showable-text.js';

const require = createRequire(import.meta.url);
const fontkit = require('fontkit') as { create(buffer: Buffer): GlyphFont };
const faces = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'].map((file) => [file, fontkit.create(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`)))] as const);

describe('showable text of the application PDF', () => {
  it('takes printable ASCII and Latin-1 without a look-up only because every face has them, and U+FFFD to stand in', () => {
    for (const [file, font] of faces) {
      const missing = [0xfffd, ...Array.from({ length: 0x100 - 0x20 }, (_, i) => 0x20 + i).filter((cp) => cp < 0x7f || cp >= 0xa0)].filter((cp) => !font.hasGlyphForCodePoint(cp));
      expect(missing, file).toEqual([]);
    }
  });

  it('replaces what a face has no glyph for, turns line ends and tabs into what pdfkit breaks at, and leaves out invisible characters without a glyph', () => {
    const [, sans] = faces[0] ?? [];
    const [, mono] = faces[2] ?? [];
    if (!sans || !mono) throw new Error('fonts not loaded');
    expect(showable(sans, 'Straße 12, 48143 Münster')).toBe('Straße 12, 48143 Münster');
    expect(showable(sans, 'Zoë Łukasz Yılmaz Ελλάδα Mu\u0308ller')).toBe('Zoë Łukasz Yılmaz Ελλάδα Mu\u0308ller');
    expect(showable(sans, 'eins\r\nzwei\rdrei\nvier\tfünf')).toBe('eins\nzwei\ndrei\nvier fünf');
    expect(showable(sans, '张伟 a\u0000b\u0007c x\ud800y 👍')).toBe('\ufffd\ufffd a\ufffdb\ufffdc x\ufffdy \ufffd');
    // U+200B: DejaVu Sans has a glyph for it, the mono face has none (and it shows nothing anyway)
    expect(sans.hasGlyphForCodePoint(0x200b)).toBe(true);
    expect(mono.hasGlyphForCodePoint(0x200b)).toBe(false);
    expect(showable(sans, 'a\u200bb')).toBe('a\u200bb');
    expect(showable(mono, 'a\u200bb\u2060c')).toBe('abc');
  });
});
