// Text as the application PDF can show it in one face.
//
// A character the face has no glyph for (CJK, emoji, a control character, a lone surrogate of a broken encoding) is
// drawn by pdfkit with the font's .notdef glyph. PDF/A-2 forbids showing .notdef (ISO 19005-2, 6.2.11.8), and pdfkit
// writes its width unscaled, unlike the font program's (6.2.11.5): one such character in a form field made the
// document fail PDF/A-2b, and its text extracted as U+0000. The sender's text stays whole in the submission's data;
// here such a character becomes U+FFFD (�), which says that something was there. Line ends as a browser sends them
// (CR LF) and lone CRs become the LF pdfkit breaks lines at (a CR has no glyph), a tab a space; an invisible
// (default-ignorable) character without a glyph is left out, since it shows nothing anyway.

/** The part of a parsed (fontkit) font this reads. */
export interface GlyphFont {
  hasGlyphForCodePoint(codePoint: number): boolean;
}

// what the three DejaVu faces hold for certain (pdf-showable-text.test.ts): most text needs no look-up per character
const COMMON = /^[\n\x20-\x7e\u00a0-\u00ff]*$/;
const INVISIBLE = /^\p{Default_Ignorable_Code_Point}$/u;
const REPLACEMENT = '\ufffd';

/** `text` with every character `font` cannot show replaced (see above); the same string when there is none. */
export function showable(font: GlyphFont, text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').replace(/\t/g, ' ');
  if (COMMON.test(lines)) return lines;
  let shown = '';
  for (const ch of lines) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || font.hasGlyphForCodePoint(cp)) shown += ch;
    else if (!INVISIBLE.test(ch)) shown += REPLACEMENT;
  }
  return shown;
}
