import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderApplicationPdf } from './application-pdf.js';
import { applicationPdfInput } from './test-support.js';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weiche-prepared-subset-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The font programs (FontFile2 streams, inflated) of a pdfkit PDF, by font name. */
function fontPrograms(pdf: Buffer): Map<string, Buffer> {
  const text = pdf.toString('latin1');
  const stream = (id: string): Buffer => {
    const start = text.indexOf(`\n${id} 0 obj\n`);
    const header = /<<([^]*?)>>\nstream\n/.exec(text.slice(start));
    const length = Number(/\/Length (\d+)/.exec(header?.[1] ?? '')?.[1]);
    const from = start + (header?.index ?? 0) + (header?.[0].length ?? 0);
    return inflateSync(pdf.subarray(from, from + length));
  };
  const programs = new Map<string, Buffer>();
  for (const m of text.matchAll(/\/FontName \/[A-Z]{6}\+(\S+)[^]*?\/FontFile2 (\d+) 0 R/g)) programs.set(m[1] ?? '', stream(m[2] ?? ''));
  return programs;
}

async function extract(pdf: Buffer): Promise<{ text: string; fonts: string }> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.pdf`);
  await writeFile(file, pdf);
  const text = (await run('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'])).stdout.replace(/\s+/g, ' ');
  return { text, fonts: (await run('pdffonts', [file])).stdout };
}

describe('prepared font subsets of the application PDF', () => {
  it('embeds the same prepared font programs in documents of different German text, and their text extracts', async () => {
    const a = await renderApplicationPdf(applicationPdfInput('Müßig-Größer', 'wohnort'));
    const b = await renderApplicationPdf(applicationPdfInput('Schäfer Düsseldorf', 'wohnort'));
    const [fa, fb] = [fontPrograms(a), fontPrograms(b)];
    expect([...fa.keys()].sort()).toEqual(['DejaVuSans', 'DejaVuSans-Bold', 'DejaVuSansMono']);
    // the values differ in their letters (M, ß, ö, G in one; S, ä, D, ü in the other), the programs do not
    for (const [name, program] of fa) expect(program.equals(fb.get(name) ?? Buffer.alloc(0)), name).toBe(true);
    for (const [pdf, value] of [[a, 'Müßig-Größer'], [b, 'Schäfer Düsseldorf']] as const) {
      const { text, fonts } = await extract(pdf);
      for (const w of [value, 'Jürgen', 'Stadt Münster – Bauordnungsamt', 'Laufzettel', 'a'.repeat(64), 'b'.repeat(64)]) expect(text).toContain(w);
      const lines = fonts.trim().split('\n').slice(2);
      expect(lines).toHaveLength(3);
      for (const line of lines) expect(line).toMatch(/\s+yes\s+yes\s+yes\s+\d+\s+\d+$/);
    }
  });

  it('adds the glyphs a document needs beyond the repertoire (ı, ë, ł) to its own subset', async () => {
    const german = await renderApplicationPdf(applicationPdfInput('Krüger', 'wohnort'));
    const other = await renderApplicationPdf(applicationPdfInput('Yılmaz-Zoë Łukasz', 'wohnort'));
    const [pg, po] = [fontPrograms(german), fontPrograms(other)];
    // the regular and bold faces carry the extra glyphs; the mono face (digests only) is the prepared one
    expect(po.get('DejaVuSans')?.length).toBeGreaterThan(pg.get('DejaVuSans')?.length ?? 0);
    expect(po.get('DejaVuSansMono')?.equals(pg.get('DejaVuSansMono') ?? Buffer.alloc(0))).toBe(true);
    const { text, fonts } = await extract(other);
    expect(text).toContain('Yılmaz-Zoë Łukasz');
    for (const line of fonts.trim().split('\n').slice(2)) expect(line).toMatch(/\s+yes\s+yes\s+yes\s+\d+\s+\d+$/);
  });
});
