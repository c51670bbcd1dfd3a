import { createTwoFilesPatch } from 'diff';

/** Splits text into lines after normalising line endings and trailing whitespace (not significant in the golden comparison). */
export function normalizeLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').replace(/\s+$/, '').split('\n').map((l) => l.replace(/[ \t]+$/, ''));
}

/** A unified diff (`--- expected` / `+++ actual`, 3 lines of context, by the `diff` package); empty string when equal. */
export function lineDiff(expected: string, actual: string, labels: { expected: string; actual: string } = { expected: 'expected', actual: 'actual' }): string {
  const a = normalizeLines(expected).join('\n') + '\n';
  const b = normalizeLines(actual).join('\n') + '\n';
  if (a === b) return '';
  // drop the "=====" separator line the library writes above the headers
  return createTwoFilesPatch(labels.expected, labels.actual, a, b, undefined, undefined, { context: 3 }).replace(/^=+\n/, '').trimEnd();
}
