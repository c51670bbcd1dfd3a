// A font subset built and deflated once per process, embedded as it is by every document whose text
// needs no other glyph.
//
// pdfkit embeds per document a subset of exactly the glyphs it used: fontkit encodes the TrueType
// tables (restructure, generic and slow) and pdfkit deflates the result — together ~a quarter of the
// application PDF's CPU. Here each document's subset starts with a fixed repertoire (the glyphs of
// German text: ASCII, umlauts, ß, German quotes and dashes; or what the caller names, e.g. hex digits
// for a face that shows only digests) in a fixed order, so every document gives
// these glyphs the same ids; their widths and Unicode mappings are written as pdfkit writes them for
// used glyphs. A document that needs only those embeds the prepared bytes; one that needs another glyph
// (a name with é) gets the repertoire plus its extra glyphs, encoded by fontkit as before.
//
// What the PDF holds: the font program with the repertoire (~100 glyphs) instead of only the used ones,
// its widths and ToUnicode entries — a few KiB more per face; text, glyphs and positions are the same.
import { deflateSync } from 'node:zlib';
import { codePointRange } from './pdf-plain-layout.js';

/** The parts of pdfkit's EmbeddedFont (and its document) this module touches. */
export interface SubsetFont {
  font: { layout(text: string): { glyphs: Array<{ id: number; advanceWidth: number; codePoints: number[] }> } };
  scale: number;
  widths: number[];
  unicode: number[][];
  subset: { glyphs: number[]; cff?: unknown; includeGlyph(gid: number): number; encode(): Uint8Array };
  embed(): void;
  toUnicodeCmap(): unknown;
  document: { ref(data?: object): PdfStream };
}

/** A pdfkit PDFReference, as a stream object. */
interface PdfStream {
  compress: boolean;
  data: Record<string, unknown>;
  end(chunk?: Uint8Array | string): void;
}

/** German text: the texts whose glyphs a subset holds — characters, and the ligatures fontkit forms of them. */
export const GERMAN_TEXT: readonly string[] = [...codePointRange(0x20, 0x7e).map((cp) => String.fromCodePoint(cp)), ...'ÄÖÜäöüß–—„“‚‘·•…€§°×', 'fi', 'fl', 'ff', 'ffi', 'ffl'];

interface Prepared {
  glyphs: RepertoireGlyph[];
  /** Glyph count of a document's subset that used nothing beyond the repertoire (with .notdef). */
  glyphCount: number;
  /** The encoded subset, deflated. */
  deflated: Buffer;
  /** The ToUnicode CMap of a document that used only the repertoire, deflated; taken from the first one (null: not to be had). */
  toUnicode?: Buffer | null;
}

// Keyed by the parsed fonts, which live as long as the process.
const prepared = new WeakMap<object, Prepared>();

interface RepertoireGlyph {
  id: number;
  advanceWidth: number;
  /** A character's own code point; a ligature's, those fontkit gives it (as pdfkit records them). */
  codePoints: number[];
}

// The repertoire's glyphs as fontkit lays out its texts, in the repertoire's order (so the same ids in every document).
function repertoireGlyphs(font: SubsetFont['font'], repertoire: readonly string[]): RepertoireGlyph[] {
  return repertoire.flatMap((text) => {
    const glyphs = font.layout(text).glyphs;
    return glyphs.map((g) => ({ id: g.id, advanceWidth: g.advanceWidth, codePoints: glyphs.length === 1 ? [...text].map((c) => c.codePointAt(0) ?? 0) : [...g.codePoints] }));
  });
}

function prepare(font: SubsetFont['font'], newSubset: () => SubsetFont['subset'], repertoire: readonly string[]): Prepared {
  let known = prepared.get(font);
  if (!known) {
    const glyphs = repertoireGlyphs(font, repertoire);
    const subset = newSubset();
    for (const g of glyphs) subset.includeGlyph(g.id);
    // the count before encode(), which appends the components of composite glyphs
    const glyphCount = subset.glyphs.length;
    known = { glyphs, glyphCount, deflated: deflateSync(subset.encode()) };
    prepared.set(font, known);
  }
  return known;
}

/**
 * Starts a document's font (before any text) with the repertoire, and lets it embed the prepared subset
 * when its text used no other glyph. `newSubset` makes an empty subset of the same parsed font; the
 * repertoire is the font's for the life of the process (the first one given is kept).
 */
export function usePreparedSubset(font: SubsetFont, newSubset: () => SubsetFont['subset'], repertoire: readonly string[]): void {
  if (font.subset.cff !== undefined || font.subset.glyphs.length !== 1) return;
  const ready = prepare(font.font, newSubset, repertoire);
  for (const g of ready.glyphs) {
    const gid = font.subset.includeGlyph(g.id);
    // as pdfkit's EmbeddedFont.encode records a glyph it uses
    font.widths[gid] ??= g.advanceWidth * font.scale;
    font.unicode[gid] ??= g.codePoints;
  }
  const embed = font.embed.bind(font);
  font.embed = () => {
    if (font.subset.glyphs.length !== ready.glyphCount) {
      embed();
      return;
    }
    // pdfkit's embed() opens the font file stream first and ends it with subset.encode(): that stream
    // gets the prepared bytes, already deflated, instead of encoding and deflating the same subset again.
    const doc = font.document;
    const ref = doc.ref;
    doc.ref = (data?: object) => {
      doc.ref = ref;
      return deflated(ref.call(doc, data));
    };
    font.subset.encode = () => ready.deflated;
    // the CMap is the same for every such document too: written by pdfkit once, then as prepared
    ready.toUnicode ??= preparedCmap(font);
    const cmap = ready.toUnicode;
    if (cmap) {
      font.toUnicodeCmap = () => {
        const stream = deflated(doc.ref());
        stream.end(cmap);
        return stream;
      };
    }
    try {
      embed();
    } finally {
      doc.ref = ref;
    }
  };
}

/** Marks a pdfkit stream as holding deflated bytes, so pdfkit does not deflate them again. */
function deflated(stream: PdfStream): PdfStream {
  stream.compress = false;
  stream.data.Filter = 'FlateDecode';
  return stream;
}

/**
 * pdfkit's ToUnicode CMap of the font's glyphs so far (its text, as pdfkit writes it into the stream), deflated;
 * null where pdfkit's toUnicodeCmap() does not write it as expected (a later version), so pdfkit keeps writing it.
 */
function preparedCmap(font: SubsetFont): Buffer | null {
  let text = '';
  const capture = { unicode: font.unicode, document: { ref: () => ({ end: (chunk: unknown) => (text = typeof chunk === 'string' ? chunk : '') }) } };
  try {
    font.toUnicodeCmap.call(capture);
  } catch {
    return null;
  }
  if (!text.includes('beginbfrange')) return null;
  // as pdfkit's PDFReference.write turns a string into bytes
  return deflateSync(Buffer.from(`${text}\n`, 'latin1'));
}
