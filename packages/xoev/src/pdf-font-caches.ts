// Process-wide caches for the font work pdfkit (0.20) repeats in every document. pdfkit keeps word
// layouts and the font subset per document (EmbeddedFont), so each application PDF shaped its labels
// again (fontkit GSUB/GPOS) and fully decoded every glyph outline again only to copy its bytes into the
// subset. Both results depend on the parsed font alone, which every document shares: pdfkit shapes with
// default features and scales to 1000 units/em whatever the font size, and a glyph's bytes, advance and
// bearing are the font's. So the pages stay what pdfkit writes without these caches: the same glyphs at
// the same places (the font subsets differ: see pdf-prepared-subset.ts).
//
// Personal data: only words the caller marks as vocabulary (labels, fixed texts) enter the shared word
// layouts, at most MAX_SHARED_WORDS per font; values keep pdfkit's per-document cache and leave with it.
// Glyph data is per glyph id, bounded by the font's glyph count.
//
// These reach into pdfkit's EmbeddedFont (layoutCached, layoutRun, layoutCache, subset) and fontkit's
// TTFSubset (_addGlyph and its tables). Where a font does not look like that, it is left alone.
//
// Words of plain Latin text are laid out without fontkit's shaping engine (pdf-plain-layout.ts), with the
// same glyphs and positions; each document's subset starts with glyphs prepared once (pdf-prepared-subset.ts).
import { PLAIN_CANDIDATES, PlainLayout, type LayoutFont, type LayoutGlyph, type Position } from './pdf-plain-layout.js';
import { GERMAN_TEXT, usePreparedSubset, type SubsetFont } from './pdf-prepared-subset.js';

/** What pdfkit keeps of a word's layout (a fontkit GlyphRun, positions scaled to 1000 units/em). */
interface Run {
  glyphs: unknown[];
  positions: unknown[];
  advanceWidth: number;
}

interface TtfSubset {
  font: ParsedFont;
  cff?: unknown;
  glyf: Uint8Array[];
  loca: { offsets: number[] };
  hmtx: { metrics: Array<{ advance: number; bearing: number }> };
  offset: number;
  includeGlyph(gid: number): number;
  _addGlyph(gid: number): number;
}

interface ParsedFont {
  _variationProcessor?: unknown;
  loca: { offsets: number[] };
  _getTableStream(tag: string): { pos: number; readBuffer(length: number): Uint8Array };
  getGlyph(gid: number): {
    advanceWidth: number;
    _decode(): { numberOfContours: number; components?: Array<{ glyphID: number; pos: number }> } | null;
    _getMetrics(): { leftBearing: number };
  };
}

interface EmbeddedFont {
  font: ParsedFont;
  scale: number;
  layoutCache?: Record<string, Run>;
  layoutCached(text: string): Run;
  layoutRun(text: string): Run;
  subset: TtfSubset;
}

/** A glyph as fontkit's TTFSubset copies it: its glyf bytes, the components to renumber, its metrics. */
interface GlyphData {
  buffer: Uint8Array;
  components: Array<{ glyphID: number; pos: number }> | undefined;
  advance: number;
  bearing: number;
}

// The labels and fixed texts of a form and its receipt sheet are ~130 words; 2,000 per font cover a few
// dozen forms at a few MiB at most. Beyond that, words are laid out per document as before.
const MAX_SHARED_WORDS = 2000;

// Keyed by the parsed fonts, which live as long as the process (a few per process).
const sharedWords = new Map<ParsedFont, Map<string, Run>>();
const glyphData = new WeakMap<ParsedFont, Map<number, GlyphData>>();
const adopted = new WeakSet<object>();
const plainLayouts = new Map<ParsedFont, PlainLayout | undefined>();

function plainLayoutOf(font: ParsedFont): PlainLayout | undefined {
  if (!plainLayouts.has(font)) plainLayouts.set(font, PlainLayout.of(font as unknown as LayoutFont, PLAIN_CANDIDATES));
  return plainLayouts.get(font);
}

// A plain layout as pdfkit's EmbeddedFont.layoutRun turns fontkit's run into its own: every position
// scaled to 1000 units/em, the glyph's advance beside it, the run's width the sum of the advances.
function scaledRun(run: { glyphs: LayoutGlyph[]; positions: Position[] }, scale: number): Run {
  let advanceWidth = 0;
  const positions = run.positions.map((p, i) => {
    const scaled = { xAdvance: p.xAdvance * scale, yAdvance: p.yAdvance * scale, xOffset: p.xOffset * scale, yOffset: p.yOffset * scale, advanceWidth: (run.glyphs[i]?.advanceWidth ?? 0) * scale };
    advanceWidth += scaled.xAdvance;
    return scaled;
  });
  return { glyphs: run.glyphs, positions, advanceWidth };
}

function glyphOf(font: ParsedFont, gid: number): GlyphData {
  let byId = glyphData.get(font);
  if (!byId) glyphData.set(font, (byId = new Map()));
  let data = byId.get(gid);
  if (data) return data;
  // as fontkit's TTFSubset._addGlyph reads it (fontkit 2.0)
  const glyph = font.getGlyph(gid);
  const glyf = glyph._decode();
  const start = font.loca.offsets[gid] ?? 0;
  const end = font.loca.offsets[gid + 1] ?? start;
  const stream = font._getTableStream('glyf');
  stream.pos += start;
  const buffer = stream.readBuffer(end - start);
  const components = glyf && glyf.numberOfContours < 0 ? (glyf.components ?? []).map((c) => ({ glyphID: c.glyphID, pos: c.pos })) : undefined;
  data = { buffer, components, advance: glyph.advanceWidth, bearing: glyph._getMetrics().leftBearing };
  byId.set(gid, data);
  return data;
}

// fontkit's TTFSubset._addGlyph without decoding the outline: the same bytes, loca offset and metrics.
function addGlyph(this: TtfSubset, gid: number): number {
  const g = glyphOf(this.font, gid);
  let buffer = g.buffer;
  if (g.components) {
    // a copy: component ids are renumbered for this subset
    buffer = new Uint8Array(buffer);
    const view = new DataView(buffer.buffer);
    for (const c of g.components) view.setUint16(c.pos, this.includeGlyph(c.glyphID));
  }
  this.glyf.push(buffer);
  this.loca.offsets.push(this.offset);
  this.hmtx.metrics.push({ advance: g.advance, bearing: g.bearing });
  this.offset += buffer.length;
  return this.glyf.length - 1;
}

/** The words whose layouts the process shares, over all fonts (for tests and diagnostics). */
export function sharedWordList(): string[] {
  return [...sharedWords.values()].flatMap((words) => [...words.keys()]);
}

/** Shares word layouts and glyph data of one document's fonts with every other document of the process. */
export class SharedFontWork {
  // Whether the text being laid out is vocabulary (labels, fixed texts) that may be shared.
  private vocabulary = false;

  /**
   * `repertoires`: per parsed font, the texts whose glyphs every document embeds from a subset prepared
   * once (pdf-prepared-subset.ts); German text for any other font.
   */
  constructor(private readonly repertoires: ReadonlyMap<unknown, readonly string[]> = new Map()) {}

  /** Hooks the document's current font (pdfkit's `doc._font`) into the caches; once per font and document. */
  adopt(doc: object): void {
    const font = (doc as { _font?: unknown })._font as Partial<EmbeddedFont> | undefined;
    if (!font || adopted.has(font) || !font.font || typeof font.layoutRun !== 'function' || typeof font.layoutCached !== 'function') return;
    adopted.add(font);
    const parsed = font.font;
    const subset = font.subset;
    if (subset && subset.cff === undefined && !parsed._variationProcessor && typeof subset._addGlyph === 'function' && Array.isArray(parsed.loca?.offsets)) {
      subset._addGlyph = addGlyph;
      const newSubset = (): SubsetFont['subset'] => (parsed as unknown as { createSubset(): SubsetFont['subset'] }).createSubset();
      usePreparedSubset(font as unknown as SubsetFont, newSubset, this.repertoires.get(parsed) ?? GERMAN_TEXT);
    }
    let shared = sharedWords.get(parsed);
    if (!shared) sharedWords.set(parsed, (shared = new Map()));
    const words = shared;
    const local = new Map<string, Run>();
    const plain = plainLayoutOf(parsed);
    const shape = font.layoutRun.bind(font);
    const scale = font.scale ?? 1;
    const layoutRun = (text: string): Run => {
      const run = plain?.layout(text);
      return run ? scaledRun(run, scale) : shape(text);
    };
    font.layoutCached = (text: string): Run => {
      const known = local.get(text) ?? words.get(text);
      if (known) return known;
      const run = layoutRun(text);
      // only what pdfkit reads of a run, so a shared entry holds no more than needed
      const kept: Run = { glyphs: run.glyphs, positions: run.positions, advanceWidth: run.advanceWidth };
      if (this.vocabulary && words.size < MAX_SHARED_WORDS) words.set(text, kept);
      else local.set(text, kept);
      return kept;
    };
  }

  /** Runs `render` with the words it lays out counted as vocabulary: labels and fixed texts, never personal values. */
  asVocabulary<T>(render: () => T): T {
    this.vocabulary = true;
    try {
      return render();
    } finally {
      this.vocabulary = false;
    }
  }
}
