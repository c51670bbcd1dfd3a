// A shortcut through fontkit's OpenType layout for plain words, with fontkit's own result.
//
// fontkit shapes every word of a value anew: a plan per call, then each GSUB and GPOS lookup of ~20
// features tried at every glyph (the largest CPU cost of the application PDF). For most words of a form
// only two things can happen: each character becomes its cmap glyph, and GPOS pair adjustments (kerning)
// move neighbours. This module finds, once per font, the characters ("plain") for which the font's
// lookups can do nothing else, and lays out a word of plain characters as cmap glyphs plus the pair
// adjustments of each neighbouring pair — taken from fontkit itself, by laying out the pair once per
// process (a pair of characters is font data, never personal data). Any other word goes through fontkit.
//
// Why this is fontkit's result: every GSUB/GPOS lookup fontkit applies starts at the current glyph and
// checks it against the lookup's coverage (context and ligature rules additionally need the rest of
// their sequence). A character is plain when its glyph is in no coverage of a lookup that could fire
// within a word of plain characters — other than GPOS pair adjustments, which fontkit applies per
// adjacent pair, adding to both glyphs' positions. So a word's positions are the sum of its pairs'.
// The exhaustive comparison with fontkit is in pdf-plain-layout.test.ts.

/** A glyph as fontkit returns it (shared per font and glyph id). */
export interface LayoutGlyph {
  id: number;
  advanceWidth: number;
  codePoints: number[];
}

export interface Position {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
}

interface Coverage {
  version: number;
  glyphs?: number[];
  rangeRecords?: Array<{ start: number; end: number }>;
}
interface ClassDef {
  version: number;
  startGlyph?: number;
  classValueArray?: number[];
  classRangeRecord?: Array<{ start: number; end: number; class: number }>;
}
interface ListOf<T> {
  toArray(): T[];
}
type Rule = { input?: number[]; classes?: number[]; backtrack?: number[]; lookahead?: number[] };
interface SubTable {
  version: number;
  lookupType?: number;
  extension?: SubTable;
  coverage?: Coverage;
  markCoverage?: Coverage;
  mark1Coverage?: Coverage;
  ligatureSets?: ListOf<Array<{ components: number[] }>>;
  ruleSets?: Array<Rule[] | null>;
  chainRuleSets?: Array<Rule[] | null>;
  classSet?: Array<Rule[] | null>;
  chainClassSet?: Array<Rule[] | null>;
  classDef?: ClassDef;
  inputClassDef?: ClassDef;
  backtrackClassDef?: ClassDef;
  lookaheadClassDef?: ClassDef;
  coverages?: Coverage[];
  backtrackCoverage?: Coverage[];
  inputCoverage?: Coverage[];
  lookaheadCoverage?: Coverage[];
}
interface Lookup {
  lookupType: number;
  subTables: ListOf<SubTable> | SubTable[];
}
interface LayoutTable {
  scriptList: Array<{ script: { defaultLangSys?: LangSys | null; langSysRecords: Array<{ langSys: LangSys }> } }>;
  featureList: Array<{ tag: string; feature: { lookupListIndexes: number[] } }>;
  lookupList: ListOf<Lookup>;
}
interface LangSys {
  reqFeatureIndex: number;
  featureIndexes: number[];
}

/** The parts of a fontkit font this module reads. */
export interface LayoutFont {
  GSUB?: LayoutTable;
  GPOS?: LayoutTable;
  GDEF?: { glyphClassDef?: ClassDef };
  morx?: unknown;
  kern?: unknown;
  _variationProcessor?: unknown;
  glyphForCodePoint(codePoint: number): LayoutGlyph;
  layout(text: string, features?: unknown, script?: string): { glyphs: LayoutGlyph[]; positions: Position[] };
}

// The features fontkit's default shaper applies to horizontal left-to-right text (fontkit 2.0,
// DefaultShaper: variation, directional, common and horizontal features). frac/numr/dnom are applied
// only around U+2044, which is never plain.
const APPLIED_FEATURES = new Set(['rvrn', 'ltra', 'ltrm', 'ccmp', 'locl', 'rlig', 'mark', 'mkmk', 'calt', 'clig', 'liga', 'rclt', 'curs', 'kern']);

/** The code points from `from` to `to`, both included. */
export function codePointRange(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Characters to offer the shortcut: Basic Latin to Latin Extended-B, general punctuation, the euro sign. */
export const PLAIN_CANDIDATES: readonly number[] = [...codePointRange(0x20, 0x24f), ...codePointRange(0x2010, 0x206f), 0x20ac];

// Characters worth the shortcut: Latin letters and the digits, punctuation, symbols and space around them.
// Marks, controls, format characters (U+00AD, joiners) and the fraction slash are never plain.
const CANDIDATE = /^[\p{Script=Latin}\p{Script=Common}]$/u;
const EXCLUDED = /^[\p{M}\p{C}\u2044]$/u;
const LATIN = /\p{Script=Latin}/u;

function coverageGlyphs(coverage: Coverage | undefined): number[] {
  if (!coverage) return [];
  if (coverage.version === 1) return coverage.glyphs ?? [];
  const glyphs: number[] = [];
  for (const r of coverage.rangeRecords ?? []) for (let g = r.start; g <= r.end; g++) glyphs.push(g);
  return glyphs;
}

// as fontkit's OTProcessor.getClassID
function classOf(glyph: number, classDef: ClassDef | undefined): number {
  if (!classDef) return 0;
  if (classDef.version === 1) {
    const i = glyph - (classDef.startGlyph ?? 0);
    const values = classDef.classValueArray ?? [];
    return i >= 0 && i < values.length ? (values[i] ?? 0) : 0;
  }
  for (const r of classDef.classRangeRecord ?? []) if (r.start <= glyph && glyph <= r.end) return r.class;
  return 0;
}

function toArray<T>(list: ListOf<T> | T[]): T[] {
  return Array.isArray(list) ? list : list.toArray();
}

// the classes of a class definition that hold a plain glyph, once per class definition
const classesWithPlain = new WeakMap<object, Set<number>>();
function plainClasses(classDef: ClassDef | undefined, plain: Set<number>): Set<number> {
  if (!classDef) return new Set([0]);
  let classes = classesWithPlain.get(classDef);
  if (!classes) classesWithPlain.set(classDef, (classes = new Set([...plain].map((g) => classOf(g, classDef)))));
  return classes;
}

/** Lookups the default shaper applies, in any script or language of the table (a superset of what a word gets). */
function appliedLookups(table: LayoutTable | undefined): Lookup[] {
  if (!table) return [];
  const indexes = new Set<number>();
  for (const { script } of table.scriptList) {
    for (const langSys of [script.defaultLangSys, ...script.langSysRecords.map((r) => r.langSys)]) {
      if (!langSys) continue;
      const features = langSys.reqFeatureIndex === 0xffff ? langSys.featureIndexes : [langSys.reqFeatureIndex, ...langSys.featureIndexes];
      for (const f of features) {
        const record = table.featureList[f];
        if (record && APPLIED_FEATURES.has(record.tag)) for (const l of record.feature.lookupListIndexes) indexes.add(l);
      }
    }
  }
  const lookups = table.lookupList.toArray();
  return [...indexes].flatMap((i) => (lookups[i] ? [lookups[i]] : []));
}

// A glyph at which a lookup could change a plain word: always, or (a ligature's first component) only
// when the glyph after it is the ligature's second component.
type Trigger = [glyph: number, next?: number];

/**
 * The glyphs (of `plain`) at which a lookup subtable could change a word made only of `plain` glyphs.
 * A context or ligature rule counts only if every glyph or class its sequence needs can be plain.
 */
function triggers(type: number, table: SubTable, plain: Set<number>, contextType: number, chainType: number, ligatureType: number): Trigger[] {
  const all = (glyphs: number[]): boolean => glyphs.every((g) => plain.has(g));
  const someIn = (coverage: Coverage | undefined): boolean => coverageGlyphs(coverage).some((g) => plain.has(g));
  const classHasPlain = (classDef: ClassDef | undefined, cls: number): boolean => plainClasses(classDef, plain).has(cls);
  const always = (glyphs: number[]): Trigger[] => glyphs.filter((g) => plain.has(g)).map((g) => [g]);
  const covered = coverageGlyphs(table.coverage);
  if (type === ligatureType && table.ligatureSets) {
    const sets = table.ligatureSets.toArray();
    return covered.flatMap((g, k) => (plain.has(g) ? (sets[k] ?? []).filter((lig) => all(lig.components)).map((lig): Trigger => (lig.components[0] === undefined ? [g] : [g, lig.components[0]])) : []));
  }
  if (type === contextType || type === chainType) {
    if (table.version === 3) {
      const sequence = [...(table.backtrackCoverage ?? []), ...(table.inputCoverage ?? table.coverages ?? []), ...(table.lookaheadCoverage ?? [])];
      const first = (table.inputCoverage ?? table.coverages ?? [])[0];
      return sequence.every(someIn) ? always(coverageGlyphs(first)) : [];
    }
    if (table.version === 1) {
      const sets = table.ruleSets ?? table.chainRuleSets ?? [];
      return always(covered.filter((_, k) => (sets[k] ?? []).some((r) => all([...(r.backtrack ?? []), ...(r.input ?? []), ...(r.lookahead ?? [])]))));
    }
    const inputDef = table.inputClassDef ?? table.classDef;
    const sets = table.chainClassSet ?? table.classSet ?? [];
    const possible = (rule: Rule): boolean =>
      (rule.backtrack ?? []).every((c) => classHasPlain(table.backtrackClassDef, c)) &&
      (rule.input ?? rule.classes ?? []).every((c) => classHasPlain(inputDef, c)) &&
      (rule.lookahead ?? []).every((c) => classHasPlain(table.lookaheadClassDef, c));
    return always(covered.filter((g) => (sets[classOf(g, inputDef)] ?? []).some(possible)));
  }
  // any other lookup acts on the covered glyph (marks: the mark's coverage)
  return always([...covered, ...coverageGlyphs(table.markCoverage), ...coverageGlyphs(table.mark1Coverage)]);
}

/**
 * Glyph ids that some applied lookup other than a GPOS pair adjustment could change in a plain word:
 * 'always', or only before one of the given glyphs (ligatures).
 */
function touchedGlyphs(font: LayoutFont, plain: Set<number>): Map<number, Set<number> | 'always'> {
  const touched = new Map<number, Set<number> | 'always'>();
  const scan = (table: LayoutTable | undefined, extensionType: number, skip: number, types: [number, number, number]): void => {
    for (const lookup of appliedLookups(table)) {
      for (const sub of toArray(lookup.subTables)) {
        const [type, subtable] = lookup.lookupType === extensionType && sub.extension ? [sub.lookupType ?? 0, sub.extension] : [lookup.lookupType, sub];
        if (type === skip) continue;
        for (const [g, next] of triggers(type, subtable, plain, ...types)) {
          const known = touched.get(g);
          if (next === undefined || known === 'always') touched.set(g, 'always');
          else touched.set(g, (known ?? new Set()).add(next));
        }
      }
    }
  };
  // GSUB: 5 context, 6 chaining context, 4 ligature, 7 extension; GPOS: 7, 8, none, 9 extension, 2 = pairs
  scan(font.GSUB, 7, -1, [5, 6, 4]);
  scan(font.GPOS, 9, 2, [7, 8, -1]);
  return touched;
}

/** Lays out plain words of one font as fontkit would; `undefined` for any other word. */
export class PlainLayout {
  private readonly glyphs = new Map<number, LayoutGlyph>();
  // a ligature's first glyph → the second components after which it would ligate ("f" before "i", "l")
  private readonly notBefore = new Map<number, Set<number>>();
  // plain code point → its number among them, for the pair tables
  private readonly index = new Map<number, number>();
  // Per script tag, what a pair adds to its first and second glyph. Most pairs add nothing, so the table of
  // pairs seen holds a byte per pair (0 not yet laid out, 1 nothing, 2 kerned) and only kerned ones keep
  // their adjustments: bounded by the square of the plain characters (~270 KiB), whatever the texts.
  private readonly pairs = new Map<string, { seen: Uint8Array; kerned: Map<number, Pair> }>();

  private constructor(private readonly font: LayoutFont) {}

  /** The shortcut for `font`, or `undefined` where the font's layout is not of the kind this module knows. */
  static of(font: LayoutFont, candidates: Iterable<number>): PlainLayout | undefined {
    // AAT fonts (morx), variable fonts and the legacy kern table (used when GPOS has no kern) take other paths in fontkit
    if (font.morx || font._variationProcessor || (font.kern && !font.GPOS)) return undefined;
    const layout = new PlainLayout(font);
    const plain = new Set<number>();
    for (const cp of candidates) {
      const ch = String.fromCodePoint(cp);
      if (!CANDIDATE.test(ch) || EXCLUDED.test(ch)) continue;
      const glyph = font.glyphForCodePoint(cp);
      const glyphClass = classOf(glyph.id, font.GDEF?.glyphClassDef);
      // base glyphs only: marks and ligatures are skipped or treated otherwise by lookup flags and shapers
      if (glyph.id === 0 || (glyphClass !== 0 && glyphClass !== 1)) continue;
      plain.add(glyph.id);
      layout.glyphs.set(cp, glyph);
    }
    for (const [g, touched] of touchedGlyphs(font, plain)) {
      if (touched !== 'always') layout.notBefore.set(g, touched);
      else for (const [cp, glyph] of layout.glyphs) if (glyph.id === g) layout.glyphs.delete(cp);
    }
    for (const cp of layout.glyphs.keys()) layout.index.set(cp, layout.index.size);
    return layout;
  }

  /** The code points the shortcut may lay out, in some words (for tests). */
  plainCodePoints(): number[] {
    return [...this.glyphs.keys()];
  }

  /** How many pairs keep adjustments of their own (for tests: the rest is one byte per pair). */
  kernedPairs(): number {
    return [...this.pairs.values()].reduce((n, t) => n + t.kerned.size, 0);
  }

  /** Glyphs and positions (font units) of `text` as fontkit's `layout(text)` gives them, if every character is plain. */
  layout(text: string): { glyphs: LayoutGlyph[]; positions: Position[] } | undefined {
    const glyphs: LayoutGlyph[] = [];
    const codePoints: number[] = [];
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      const glyph = this.glyphs.get(cp);
      if (!glyph) return undefined;
      if (this.notBefore.get(glyphs.at(-1)?.id ?? -1)?.has(glyph.id)) return undefined;
      glyphs.push(glyph);
      codePoints.push(cp);
    }
    // fontkit's script: the first character's that is neither Common nor Inherited, else none ('zzzz')
    const script = LATIN.test(text) ? 'latn' : 'zzzz';
    const positions = glyphs.map((g) => ({ xAdvance: g.advanceWidth, yAdvance: 0, xOffset: 0, yOffset: 0 }));
    for (let i = 0; i + 1 < glyphs.length; i++) {
      const [first, second] = this.pair(script, codePoints[i] ?? 0, codePoints[i + 1] ?? 0);
      add(positions[i], first);
      add(positions[i + 1], second);
    }
    return { glyphs, positions };
  }

  private pair(script: string, a: number, b: number): Pair {
    let table = this.pairs.get(script);
    if (!table) this.pairs.set(script, (table = { seen: new Uint8Array(this.index.size ** 2), kerned: new Map() }));
    const key = (this.index.get(a) ?? 0) * this.index.size + (this.index.get(b) ?? 0);
    const seen = table.seen[key];
    if (seen === 1) return NO_ADJUSTMENT;
    if (seen === 2) return table.kerned.get(key) ?? NO_ADJUSTMENT;
    const run = this.font.layout(String.fromCodePoint(a, b), undefined, script);
    const pair: Pair = [delta(run.positions[0], run.glyphs[0]), delta(run.positions[1], run.glyphs[1])];
    const kerned = pair.some((d) => d.xAdvance !== 0 || d.yAdvance !== 0 || d.xOffset !== 0 || d.yOffset !== 0);
    table.seen[key] = kerned ? 2 : 1;
    if (kerned) table.kerned.set(key, pair);
    return kerned ? pair : NO_ADJUSTMENT;
  }
}

type Pair = [Position, Position];
const NONE: Position = Object.freeze({ xAdvance: 0, yAdvance: 0, xOffset: 0, yOffset: 0 });
const NO_ADJUSTMENT: Pair = [NONE, NONE];

function delta(p: Position | undefined, g: LayoutGlyph | undefined): Position {
  return { xAdvance: (p?.xAdvance ?? 0) - (g?.advanceWidth ?? 0), yAdvance: p?.yAdvance ?? 0, xOffset: p?.xOffset ?? 0, yOffset: p?.yOffset ?? 0 };
}

function add(p: Position | undefined, d: Position): void {
  if (!p) return;
  p.xAdvance += d.xAdvance;
  p.yAdvance += d.yAdvance;
  p.xOffset += d.xOffset;
  p.yOffset += d.yOffset;
}
