import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as PdfKit from 'pdfkit';
import { describe, expect, it, vi } from 'vitest';
import type { ApplicationPdfInput } from './application-pdf.js';
import { SharedFontWork } from './pdf-font-caches.js';
import { GERMAN_TEXT } from './pdf-prepared-subset.js';
import { applicationPdfInput as input } from './test-support.js';

const require = createRequire(import.meta.url);
const PDFDocument = require('pdfkit') as typeof PdfKit;
interface Subset {
  includeGlyph(gid: number): number;
  encode(): Uint8Array;
}
interface Font {
  createSubset(): Subset;
  glyphsForString(s: string): Array<{ id: number }>;
  layout(s: string): { glyphs: Array<{ id: number }> };
  getGlyph(id: number): { _decode(): { numberOfContours: number } | null };
}
const fontkit = require('fontkit') as { create(buffer: Buffer): Font };

// A fresh copy of the renderer and its caches: nothing shared with what other tests rendered before.
async function freshRenderer(): Promise<{ render: (i: ApplicationPdfInput) => Promise<Buffer>; shared: () => string[] }> {
  vi.resetModules();
  const pdf = await import('./application-pdf.js');
  const caches = await import('./pdf-font-caches.js');
  return { render: pdf.renderApplicationPdf, shared: caches.sharedWordList };
}

describe('shared font work of the application PDF', () => {
  it('writes the same bytes with cold and with warm caches, whatever was rendered before', async () => {
    const a = input('Zoë Weißhaupt-Çelik', 'bezeichnungDesBauvorhabens');
    const cold = await (await freshRenderer()).render(a);
    const warm = await freshRenderer();
    for (const [v, l] of [['Müller', 'bezeichnungDesBauvorhabens'], ['Ørsted AVATAR Tøn', 'artDerAnlage'], ['FIT-Connect', 'kanal']] as const) await warm.render(input(v, l));
    expect((await warm.render(a)).equals(cold)).toBe(true);
    expect((await warm.render(a)).equals(cold)).toBe(true);
  });

  it('shares the words of labels and of the hub\'s own texts, never those of the submission\'s values', async () => {
    const { render, shared } = await freshRenderer();
    await render(input('Quxbertsdóttir Zwölfling', 'gemarkungDesGrundstuecks'));
    const words = shared().map((w) => w.trim());
    expect(words).toEqual(expect.arrayContaining(['Gemarkung', 'Grundstuecks', 'Familienname', 'Laufzettel', 'bestanden', 'Bauordnungsamt']));
    expect(words.filter((w) => /Quxbert|Zwölf|Jürgen|5b0c2d9e|aaaa|bbbb/.test(w))).toEqual([]);
  });

  it('embeds a subset byte for byte as fontkit does, composite glyphs included', () => {
    const file = readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));
    const text = 'Straße Größe Ärger ÖÜ äöü – Çelik Zoë Ørsted ǅ ﬁ 0123456789 (psw:01000001)';
    // fontkit alone, with a font of its own: the prepared repertoire first (as every document's subset starts), then the text
    const plainFont = fontkit.create(file);
    const plain = plainFont.createSubset();
    for (const t of GERMAN_TEXT) for (const g of plainFont.layout(t).glyphs) plain.includeGlyph(g.id);
    for (const g of plainFont.glyphsForString(text)) plain.includeGlyph(g.id);
    // through a pdfkit document whose font was adopted
    const doc = new PDFDocument({ font: null as unknown as string, autoFirstPage: false });
    doc.registerFont('regular', fontkit.create(file) as unknown as string);
    doc.font('regular');
    new SharedFontWork().adopt(doc);
    const embedded = (doc as unknown as { _font: { subset: Subset; font: Font } })._font;
    expect(Object.hasOwn(embedded.subset, '_addGlyph')).toBe(true);
    // composite glyphs (accented capitals) carry component ids that the subset renumbers
    expect(embedded.font.glyphsForString(text).some((g) => (embedded.font.getGlyph(g.id)._decode()?.numberOfContours ?? 0) < 0)).toBe(true);
    for (const round of [1, 2]) {
      // the second round reads every glyph from the cache
      const subset = round === 1 ? embedded.subset : Object.assign(embedded.font.createSubset(), { _addGlyph: (embedded.subset as unknown as { _addGlyph: unknown })._addGlyph });
      if (round === 2) for (const t of GERMAN_TEXT) for (const g of embedded.font.layout(t).glyphs) subset.includeGlyph(g.id);
      for (const g of embedded.font.glyphsForString(text)) subset.includeGlyph(g.id);
      expect(Buffer.from(subset.encode()).equals(Buffer.from(plain.encode()))).toBe(true);
    }
  });
});
