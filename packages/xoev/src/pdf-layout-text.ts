// Text bounded before pdfkit lays it out.
//
// pdfkit breaks a word wider than its column character by character, measuring every longer prefix anew and
// keeping each prefix's width in a per-document cache: time and memory grow with the square of the word's length.
// A sender's 20,000-character file name without a space took 8 s and 800 MiB; 100,000 characters (in a file name,
// a field name, the service name) ran the worker out of memory, and a job whose worker died goes to another worker.
// A zero-width space after every 40 characters of a run gives pdfkit a break opportunity (UAX #14), so
// each word it measures is short; the line still breaks where the column ends, the space shows nothing, and a face
// without its glyph (the mono face of the digests) drops it again (pdf-showable-text.ts). No text the PDF shows is
// longer than MAX_LAYOUT_TEXT: form values are cut at 5,000 before (form-rows.ts); this ceiling catches the rest.

/** Longest text (UTF-16 units) one heading, paragraph, label or value of the PDF shows. */
export const MAX_LAYOUT_TEXT = 10_000;
const RUN = 40;
/**
 * Runs up to this long are left as they are: pdfkit breaks one wider than its column character by character at a cost
 * that stays small at this length (a digest, a URL, an IBAN), while a zero-width space takes the words of the text off
 * the PDF's fast path for plain words (pdf-plain-layout.ts), so ordinary values are laid out as before this bound.
 */
const LONGEST_RUN_KEPT = 200;
const LONG_RUN = new RegExp(`[^\\s\\u200b]{${RUN}}(?=[^\\s\\u200b])`, 'gu');

/**
 * Whether `text` may hold a run longer than LONGEST_RUN_KEPT: counts UTF-16 units between ASCII spaces, so its runs are
 * never shorter than the regular expression's (which also ends a run at other spaces and counts a surrogate pair once).
 */
function mayHaveLongRun(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x200b) run = 0;
    else if (++run > LONGEST_RUN_KEPT) return true;
  }
  return false;
}

/**
 * `text` cut at MAX_LAYOUT_TEXT (marked); a text with a run of more than LONGEST_RUN_KEPT characters without a space
 * gets a zero-width space after every 40 characters of each run longer than 40.
 */
export function layoutText(text: string): string {
  const cut = text.length > MAX_LAYOUT_TEXT ? `${text.slice(0, MAX_LAYOUT_TEXT)} … (gekürzt)` : text;
  return mayHaveLongRun(cut) ? cut.replace(LONG_RUN, '$&\u200b') : cut;
}
