import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import type * as PdfKit from 'pdfkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { berlinDate, renderApplicationPdf, type ApplicationPdfInput } from './application-pdf.js';
import { inspectContent } from './content-facts.js';
import { FORM_BUDGET, formRows } from './form-rows.js';
import { MAX_LAYOUT_TEXT } from './pdf-layout-text.js';
import { applicationPdfInput, largeBauantrag } from './test-support.js';

const run = promisify(execFile);
const repo = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
let dir: string;
let formSchema: Record<string, unknown>;
let data: unknown;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weiche-pdf-'));
  formSchema = JSON.parse(await readFile(repo('schemas/forms/bauantrag-1.0.json'), 'utf8')) as Record<string, unknown>;
  data = JSON.parse(await readFile(repo('packages/mappings/bauantrag-xbau/samples/einfamilienhaus.input.json'), 'utf8'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function input(over: Partial<ApplicationPdfInput> = {}): ApplicationPdfInput {
  return {
    title: 'Baugenehmigung beantragen',
    applicant: 'Dr. Jürgen Müßig-Größer',
    data,
    formSchema,
    createdAt: new Date('2025-03-01T10:00:05Z'),
    producer: 'Weiche 0.1.0',
    receipt: {
      receivedAt: new Date('2025-03-01T10:00:00Z'),
      channel: 'FIT-Connect',
      sender: { name: 'Bauportal NRW', behoerdenkennung: 'psw:01000001' },
      recipient: 'Stadt Münster – Bauordnungsamt',
      submissionId: '5b0c2d9e-4a43-4c51-9f0e-3c9c4b5a0a01',
      caseId: 'a1c3c0de-0000-4000-8000-000000000001',
      serviceIdentifier: 'urn:de:fim:leika:leistung:99010003001006',
      senderReference: 'PORTAL-2025-0042',
      checks: [
        { name: 'Entschlüsselung', status: 'passed', detail: 'RSA-OAEP-256 / A256GCM' },
        { name: 'Prüfsummen', status: 'passed', detail: 'SHA-512 von Daten und Anlagen' },
        { name: 'Signatur des Autors', status: 'not-applicable' },
      ],
      mapping: { id: 'generic-xdomea', version: '2.0.0' },
      data: { name: 'fachdaten.json', mimeType: 'application/json', size: 1217, sha256: 'a'.repeat(64), schemaUri: 'urn:weiche:schema:bauantrag:1.0' },
      attachments: [{ name: 'Lageplan_Größe_Straße.pdf', mimeType: 'application/pdf', size: 123_456, sha256: 'b'.repeat(64) }],
    },
    ...over,
  };
}

async function pdfText(pdf: Buffer): Promise<string> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.pdf`);
  await writeFile(file, pdf);
  // -raw keeps the content-stream order (a wrapped label stays together); whitespace is normalised
  return (await run('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'])).stdout.replace(/\s+/g, ' ');
}

/** How often the content streams of a pdfkit PDF show glyph 0 (.notdef): pdfkit writes text as 4-digit glyph ids in TJ hex strings. */
function notdefShown(pdf: Buffer): number {
  const raw = pdf.toString('latin1');
  let shown = 0;
  for (const m of raw.matchAll(/\/Length (\d+)[^]*?>>\nstream\n/g)) {
    const from = (m.index ?? 0) + m[0].length;
    let content: string;
    try {
      content = inflateSync(pdf.subarray(from, from + Number(m[1]))).toString('latin1');
    } catch {
      continue;
    }
    if (!content.includes('TJ')) continue;
    for (const [, hex = ''] of content.matchAll(/<([0-9a-f]+)>/g)) for (let i = 0; i < hex.length; i += 4) if (hex.slice(i, i + 4) === '0000') shown++;
  }
  return shown;
}

describe('renderApplicationPdf', () => {
  it('renders PDF/A-2b with embedded fonts: XMP identification, pdffonts, and the form\'s labels and values as text', async () => {
    const pdf = await renderApplicationPdf(input());
    const file = join(dir, 'antrag.pdf');
    await writeFile(file, pdf);

    // PDF/A identification in the XMP packet (ISO 19005-2 part 2, conformance B) and the header version
    const facts = await inspectContent(pdf, 'application/pdf');
    expect(facts).toMatchObject({ mimeType: 'application/pdf', pdfVersion: '1.7', pdfa: { part: '2', conformance: 'B' } });
    const raw = pdf.toString('latin1');
    expect(raw).toMatch(/<pdfaid:part>2<\/pdfaid:part>/);
    expect(raw).toMatch(/<pdfaid:conformance>B<\/pdfaid:conformance>/);
    expect(raw).toContain('/OutputIntents');

    // every font embedded (poppler's pdffonts: "emb" column yes), and only DejaVu
    const { stdout: fonts } = await run('pdffonts', [file]);
    const lines = fonts.trim().split('\n').slice(2);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      expect(line).toMatch(/DejaVu/);
      expect(line).toMatch(/\s+yes\s+yes\s+yes\s+\d+\s+\d+$/);
    }

    const text = await pdfText(pdf);
    for (const label of ['Antragsteller', 'Familienname', 'Vorname', 'Straße', 'Bezeichnung des Bauvorhabens', 'Baugrundstück', 'Gemarkung', 'Flurstück', 'Art der Anlage', 'Wird nachgereicht']) {
      expect(text).toContain(label);
    }
    for (const value of ['Müßig-Größer', 'Jürgen', 'Weißdornweg', 'Neubau eines Einfamilienhauses mit Garage', '345/6', '20.02.2025', 'ja']) {
      expect(text).toContain(value);
    }
    // the receipt sheet
    for (const fact of ['Laufzettel', 'Eingegangen am', '01.03.2025, 11:00:00', 'FIT-Connect', 'Bauportal NRW (psw:01000001)', 'Entschlüsselung', 'bestanden', 'entfällt', 'generic-xdomea 2.0.0', 'Lageplan_Größe_Straße.pdf', 'b'.repeat(64), '120,6 KiB']) {
      expect(text).toContain(fact);
    }
  });

  it('measures a row only near the bottom of a page, where it may have to move to the next one', async () => {
    const PDFDocument = createRequire(import.meta.url)('pdfkit') as typeof PdfKit;
    const measure = vi.spyOn(PDFDocument.prototype, 'heightOfString');
    try {
      const pdf = await renderApplicationPdf(input());
      const rows = formRows(data, formSchema).rows.length;
      // every row used to be measured (label and value) before it was drawn: twice the rows and more
      expect(measure.mock.calls.length).toBeLessThan(rows / 2);
      expect((await pdfText(pdf)).split('Laufzettel').length).toBe(2);
    } finally {
      measure.mockRestore();
    }
  });

  it('draws no .notdef (PDF/A-2 6.2.11.8) for characters DejaVu has no glyph for, line ends and tabs; the rest of the text stays', async () => {
    // CJK, an emoji with a skin tone, control characters, a lone surrogate, a browser's CR LF and a tab (each was
    // drawn as .notdef); beside them what the faces show: an emoticon, Polish, Greek, a combining mark, a zero-width space
    const value = 'Zhāng 张伟 😀 👍🏽 a\u0000b\u0007c x\ud800y Łódź Ελλάδα Mu\u0308ller Zeile1\r\nZeile2\tTab zero\u200bwidth';
    const label = 'Anmerkung 备注';
    const pdf = await renderApplicationPdf(applicationPdfInput(value, label));
    expect(notdefShown(pdf)).toBe(0);
    const text = await pdfText(pdf);
    for (const shown of ['Zhāng �� 😀 ��', 'a�b�c', 'x�y', 'Łódź Ελλάδα Mu\u0308ller', 'Zeile1 Zeile2 Tab', 'Anmerkung ��']) expect(text).toContain(shown);
    // the zero-width space is left out, not shown as �
    expect(text).toMatch(/zero\u200b?width/);
    const file = join(dir, 'showable.pdf');
    await writeFile(file, pdf);
    for (const line of (await run('pdffonts', [file])).stdout.trim().split('\n').slice(2)) expect(line).toMatch(/\s+yes\s+yes\s+yes\s+\d+\s+\d+$/);
  });

  it('lays out 100,000-character names without a space (file name, service, field name) in bounded time and memory, cut and marked', async () => {
    // each ran the worker out of memory: pdfkit split such a word character by character (pdf-layout-text.ts)
    const long = (c: string): string => c.repeat(100_000);
    const receipt = input().receipt;
    const pdf = await renderApplicationPdf(
      input({
        title: long('T'),
        applicant: long('A'),
        data: { [long('k')]: long('v'), liste: Array.from({ length: 30 }, () => 'w'.repeat(5000)) },
        receipt: { ...receipt, senderReference: long('R'), attachments: [{ name: `${long('N')}.pdf`, mimeType: 'application/pdf', size: 1, sha256: 'c'.repeat(64) }] },
      }),
    );
    expect(notdefShown(pdf)).toBe(0);
    const text = (await pdfText(pdf)).replace(/[\u200b ]/g, '');
    // cut at 10,000 characters (less the heading's or the row's own words), each marked
    expect(text).toContain(`${'v'.repeat(5000)}…(gekürzt;`);
    for (const c of ['T', 'A', 'k', 'R', 'N']) {
      expect(text).toMatch(new RegExp(`${c}{9900}…\\(gekürzt`));
      expect(text).not.toContain(c.repeat(10_001));
    }
    // the digests keep their line: the mono face has no zero-width space and drops it
    expect(text).toContain('c'.repeat(64));
  }, 60_000);

  it('renders a submission without form data and without channel facts honestly', async () => {
    const base = input();
    const { channel: _channel, ...receipt } = base.receipt;
    const { data: _data, applicant: _applicant, ...rest } = base;
    const text = await pdfText(await renderApplicationPdf({ ...rest, receipt: { ...receipt, checks: [] } }));
    expect(text).toContain('keine strukturierten Antragsdaten');
    expect(text).toContain('nicht angegeben');
    expect(text).toContain('Der Hub hat keine Prüfergebnisse übergeben.');
  });
});

describe('formRows', () => {
  it('uses schema titles through unions and arrays, readable names where a schema has none', () => {
    const { rows } = formRows(data, formSchema);
    expect(rows).toContainEqual({ depth: 2, label: 'Familienname', value: 'Müßig-Größer' });
    expect(rows).toContainEqual({ depth: 1, label: 'Natürliche Person' });
    expect(rows).toContainEqual({ depth: 0, label: 'Antragsteller 1' });
    const plain = formRows({ bezeichnungDesBauvorhabens: 'Carport', 'xbau:antragsteller': { name: { familienname: { name: 'Meier' } } }, flag: false }).rows;
    expect(plain).toContainEqual({ depth: 0, label: 'Bezeichnung Des Bauvorhabens', value: 'Carport' });
    expect(plain).toContainEqual({ depth: 2, label: 'Familienname', value: 'Meier' });
    expect(formRows({ kanal: { code: '01' } })).toEqual({ rows: [{ depth: 0, label: 'Kanal', value: '01' }], shortened: false, cut: false });
    expect(plain).toContainEqual({ depth: 0, label: 'Flag', value: 'nein' });
  });

  it('gives the German calendar day of receipt', () => {
    expect(berlinDate(new Date('2025-03-01T23:30:00Z'))).toBe('2025-03-02');
    expect(berlinDate(new Date('2025-07-01T21:59:00Z'))).toBe('2025-07-01');
  });
});

// A form within the 16 MiB data limit cost minutes of CPU on the processor's event loop: pdfkit lays out ~0.5 million
// characters a second, and nothing bounded the form as a whole. Each hostile shape must stay within a bounded CPU time
// (measured as CPU, with a margin of several times what it takes, so load on the machine does not fail it).
describe('the form part within FORM_BUDGET', () => {
  const words = 'Wohnhaus mit Garage und Carport auf dem Grundstück der Gemarkung Münster, Flur 12. ';
  const prose = (n: number): string => words.repeat(Math.ceil(n / words.length)).slice(0, n);
  const CPU_LIMIT_MS = 8000;

  async function cpuOf<T>(work: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
    const start = process.cpuUsage();
    const result = await work();
    const used = process.cpuUsage(start);
    return { result, cpuMs: (used.user + used.system) / 1000 };
  }

  it('shows a large real Bauantrag whole', () => {
    const { rows, shortened } = formRows(largeBauantrag(), formSchema);
    expect(shortened).toBe(false);
    expect(rows.length).toBeLessThan(FORM_BUDGET.rows / 3);
    expect(rows.reduce((n, r) => n + r.label.length + (r.value?.length ?? 0), 0)).toBeLessThan(FORM_BUDGET.characters / 5);
  });

  it.each([
    // 13 KB of JSON: a 10,000-character field name labels each of 5,000 empty items (took ~55 s of CPU)
    ['a long field name over 5,000 items', (): unknown => ({ [prose(10_000)]: Array.from({ length: 5000 }, () => ({})) })],
    // 15 MB of JSON: 3,000 items of 5,000 characters (took ~12 s of CPU)
    ['3,000 values of 5,000 characters', (): unknown => ({ eintraege: Array.from({ length: 3000 }, () => ({ wert: prose(5000) })) })],
  ])('renders %s within a bounded CPU time, says where the complete data is, and keeps the receipt sheet', async (_name, hostile) => {
    const data = hostile();
    const { result: pdf, cpuMs } = await cpuOf(() => renderApplicationPdf(input({ data })));
    expect(cpuMs).toBeLessThan(CPU_LIMIT_MS);
    const text = await pdfText(pdf);
    expect(text).toContain('Hinweis: Die Antragsdaten sind hier gekürzt. Dieses PDF zeigt höchstens 3.000 Zeilen mit zusammen 250.000 Zeichen und 32 Ebenen;');
    expect(text).toContain('vollständig stehen die Antragsdaten in der Datei „fachdaten.json“ (Strukturierte Antragsdaten, siehe Laufzettel).');
    expect(text).toContain('… (gekürzt: die weiteren Antragsdaten stehen in der Datei „fachdaten.json“');
    expect(text).toContain('Laufzettel');
    expect(text).toContain('generic-xdomea 2.0.0');
  }, 120_000);

  it('stops the rows before the first that exceeds the budget, counting labels as shown', () => {
    const { rows, shortened, cut } = formRows({ [prose(10_000)]: Array.from({ length: 5000 }, () => ({})) });
    expect(shortened && cut).toBe(true);
    // each label is the 10,000-character name and a number: the PDF shows 10,000 of it (pdf-layout-text.ts)
    const characters = rows.reduce((n, r) => n + Math.min(r.label.length, MAX_LAYOUT_TEXT) + (r.value?.length ?? 0), 0);
    expect(characters).toBeLessThanOrEqual(FORM_BUDGET.characters);
    expect(characters).toBeGreaterThan(FORM_BUDGET.characters - 10_010);
    expect(formRows({ liste: Array.from({ length: 4000 }, (_, i) => ({ nr: i })) }).rows).toHaveLength(FORM_BUDGET.rows);
  });

  it('shows data nested deeper than the budget as one row saying so (100,000 levels ran out of call stack)', () => {
    for (const [open, close] of [['[', ']'], ['{"a":', '}']] as const) {
      const deep = JSON.parse(`{"tief":${open.repeat(100_000)}1${close.repeat(100_000)}}`) as unknown;
      const { rows, shortened, cut } = formRows(deep);
      expect({ shortened, cut }).toEqual({ shortened: true, cut: false });
      expect(rows.at(-1)?.value).toBe('… (tiefer verschachtelt; vollständig in den strukturierten Antragsdaten)');
      expect(rows.length).toBeLessThanOrEqual(FORM_BUDGET.nesting);
    }
  });

  it('joins a list of plain values only as far as the value is shown', () => {
    const { rows } = formRows({ nummern: Array.from({ length: 2_000_000 }, (_, i) => i) });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.value).toMatch(/^0, 1, 2, .{4900,}… \(gekürzt; vollständig in den strukturierten Antragsdaten\)$/);
  });

  it('gives the event loop turns while it lays out a large form', async () => {
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const rendering = renderApplicationPdf(input({ data: { eintraege: Array.from({ length: 3000 }, (_, i) => ({ nr: i, wert: prose(60) })) } }));
    // the budget's rows in slices of 100: each slice ends with a turn
    const turnsBefore = turns;
    await rendering;
    ticking = false;
    expect(turns - turnsBefore).toBeGreaterThanOrEqual(25);
  }, 60_000);
});
