type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

// Longest-common-subsequence table over lines; golden messages are a few thousand lines at most.
function ops(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: ' ', line: a[i] ?? '', a: i + 1, b: j + 1 });
      i++;
      j++;
    } else if (i < n && (j >= m || (lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0))) {
      // Deletions before insertions, as diff(1) prints them.
      out.push({ kind: '-', line: a[i] ?? '', a: i + 1, b: j + 1 });
      i++;
    } else {
      out.push({ kind: '+', line: b[j] ?? '', a: i + 1, b: j + 1 });
      j++;
    }
  }
  return out;
}

/** Splits text into lines after normalising line endings and trailing whitespace (not significant in the golden comparison). */
export function normalizeLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').replace(/\s+$/, '').split('\n').map((l) => l.replace(/[ \t]+$/, ''));
}

/** A unified-style line diff (`--- expected` / `+++ actual`, 3 lines of context); empty string when equal. */
export function lineDiff(expected: string, actual: string, labels: { expected: string; actual: string } = { expected: 'expected', actual: 'actual' }): string {
  const list = ops(normalizeLines(expected), normalizeLines(actual));
  if (list.every((o) => o.kind === ' ')) return '';
  const context = 3;
  const keep = list.map(() => false);
  list.forEach((o, idx) => {
    if (o.kind === ' ') return;
    for (let k = Math.max(0, idx - context); k <= Math.min(list.length - 1, idx + context); k++) keep[k] = true;
  });
  const out = [`--- ${labels.expected}`, `+++ ${labels.actual}`];
  let inHunk = false;
  list.forEach((o, idx) => {
    if (!keep[idx]) {
      inHunk = false;
      return;
    }
    if (!inHunk) out.push(`@@ expected line ${o.a}, actual line ${o.b} @@`);
    inHunk = true;
    out.push(`${o.kind}${o.line}`);
  });
  return out.join('\n');
}
