// Text bounded before pdfkit lays it out.
//
// pdfkit breaks a word wider than its column character by character, measuring every longer prefix anew and
// keeping each prefix's width in a per-document cache: time and memory grow with the square of the word's length.
// A sender's 20,000-character file name without a space took 8 s and 800 MiB; 100,000 characters (in a file name,
// a field name, the service name) ran the worker out of memory, and a job whose worker died goes to another worker. A zero-width space after every 40 characters of a run gives pdfkit a break opportunity (UAX #14), so
// each word it measures is short; the line still breaks where the column ends, the space shows nothing, and a face
// without its glyph (the mono face of the digests) drops it again (pdf-showable-text.ts). No text the PDF shows is
// longer than MAX_LAYOUT_TEXT: form values are cut at 5,000 before (form-rows.ts); this ceiling catches the rest.

/** Longest text (UTF-16 units) one heading, paragraph, label or value of the PDF shows. */
export const MAX_LAYOUT_TEXT = 10_000;
const RUN = 40;
const LONG_RUN = new RegExp(`[^\\s\\u200b]{${RUN}}(?=[^\\s\\u200b])`, 'gu');

/** `text` cut at MAX_LAYOUT_TEXT (marked), with a zero-width space after every 40 characters of a run without a space. */
export function layoutText(text: string): string {
  const cut = text.length > MAX_LAYOUT_TEXT ? `${text.slice(0, MAX_LAYOUT_TEXT)} … (gekürzt)` : text;
  return cut.replace(LONG_RUN, '$&\u200b');
}
