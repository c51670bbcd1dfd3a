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
import { formRows } from './form-rows.js';
import { applicationPdfInput } from './test-support.js';

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
      const rows = formRows(data, formSchema).length;
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
    const rows = formRows(data, formSchema);
    expect(rows).toContainEqual({ depth: 2, label: 'Familienname', value: 'Müßig-Größer' });
    expect(rows).toContainEqual({ depth: 1, label: 'Natürliche Person' });
    expect(rows).toContainEqual({ depth: 0, label: 'Antragsteller 1' });
    const plain = formRows({ bezeichnungDesBauvorhabens: 'Carport', 'xbau:antragsteller': { name: { familienname: { name: 'Meier' } } }, flag: false });
    expect(plain).toContainEqual({ depth: 0, label: 'Bezeichnung Des Bauvorhabens', value: 'Carport' });
    expect(plain).toContainEqual({ depth: 2, label: 'Familienname', value: 'Meier' });
    expect(formRows({ kanal: { code: '01' } })).toEqual([{ depth: 0, label: 'Kanal', value: '01' }]);
    expect(plain).toContainEqual({ depth: 0, label: 'Flag', value: 'nein' });
  });

  it('gives the German calendar day of receipt', () => {
    expect(berlinDate(new Date('2025-03-01T23:30:00Z'))).toBe('2025-03-02');
    expect(berlinDate(new Date('2025-07-01T21:59:00Z'))).toBe('2025-07-01');
  });
});
