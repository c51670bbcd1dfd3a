// The application PDF renderer as it was before issue 11's changes (packages/xoev/src/application-pdf.ts at
// d92459b), kept here only so that application-pdf-bench.ts can time it against the current one in the
// same process and check that both write the same bytes. Not used by the hub; do not fix it up.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formRows, type ApplicationPdfInput, type FormRow, type ReceiptCheck, type ReceiptFile, type ReceiptSheet } from '@weiche/xoev';

// pdfkit, fontkit and the fonts are dependencies of @weiche/xoev, so they are resolved from there.
const require = createRequire(import.meta.resolve('@weiche/xoev'));
// The part of pdfkit's document this copy uses (@types/pdfkit belongs to @weiche/xoev, not to the tests).
interface Doc {
  x: number;
  y: number;
  page: { width: number; height: number; margins: { left: number; right: number; bottom: number } };
  font(name: string): Doc;
  fontSize(size: number): Doc;
  text(text: string, x: number, y: number, options: { width: number }): Doc;
  heightOfString(text: string, options: { width: number }): number;
  moveDown(lines: number): Doc;
  addPage(): Doc;
  registerFont(name: string, font: unknown): Doc;
  on(event: string, listener: (arg: Buffer) => void): Doc;
  end(): void;
}
const PDFDocument = require('pdfkit') as new (options: Record<string, unknown>) => Doc;
const fontkit = require('fontkit') as { create(buffer: Buffer): unknown };
const font = (file: string): unknown => fontkit.create(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`)));
const FONT_REGULAR = font('DejaVuSans.ttf');
const FONT_BOLD = font('DejaVuSans-Bold.ttf');
const FONT_MONO = font('DejaVuSansMono.ttf');

const STATUS_TEXT: Record<ReceiptCheck['status'], string> = {
  passed: 'bestanden',
  failed: 'nicht bestanden',
  'not-applicable': 'entfällt',
  'not-checked': 'nicht geprüft',
};

const BERLIN = new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', dateStyle: 'medium', timeStyle: 'medium' });

function when(at: Date): string {
  return `${BERLIN.format(at)} (Europe/Berlin)`;
}

const DECIMAL = new Intl.NumberFormat('de-DE', { maximumFractionDigits: 1 });
const INTEGER = new Intl.NumberFormat('de-DE');

function bytes(n: number): string {
  if (n < 1024) return `${n} Byte`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${DECIMAL.format(v)} ${units[u]} (${INTEGER.format(n)} Byte)`;
}

class Layout {
  private readonly left: number;
  private readonly width: number;
  constructor(private readonly doc: Doc) {
    this.left = doc.page.margins.left;
    this.width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  }

  heading(text: string, size = 16): void {
    this.ensure(size * 2.2);
    this.doc.font('bold').fontSize(size).text(text, this.left, this.doc.y, { width: this.width });
    this.doc.moveDown(0.4);
  }

  paragraph(text: string, size = 10): void {
    this.doc.font('regular').fontSize(size).text(text, this.left, this.doc.y, { width: this.width });
    this.doc.moveDown(0.3);
  }

  // A label column and a value column; a row without value is a section heading.
  row(row: FormRow, font: 'regular' | 'mono' = 'regular'): void {
    const indent = Math.min(row.depth, 6) * 10;
    const labelWidth = this.width * 0.36 - indent;
    const valueX = this.left + this.width * 0.38;
    const valueWidth = this.width * 0.62;
    // A SHA-256 in the mono font at 7.5 pt fits one line of the value column, so a clerk can compare it at a glance.
    const valueSize = font === 'mono' ? 7.5 : 9.5;
    const labelHeight = this.doc.font('bold').fontSize(9.5).heightOfString(row.label, { width: row.value === undefined ? this.width - indent : labelWidth });
    const valueHeight = row.value === undefined ? 0 : this.doc.font(font).fontSize(valueSize).heightOfString(row.value, { width: valueWidth });
    const height = Math.max(labelHeight, valueHeight) + 3;
    this.ensure(Math.min(height, 200));
    const y = this.doc.y;
    this.doc.font('bold').fontSize(9.5).text(row.label, this.left + indent, y, { width: row.value === undefined ? this.width - indent : labelWidth });
    const afterLabel = this.doc.y;
    if (row.value !== undefined) this.doc.font(font).fontSize(valueSize).text(row.value, valueX, y, { width: valueWidth });
    this.doc.x = this.left;
    this.doc.y = Math.max(afterLabel, this.doc.y) + 3;
  }

  private ensure(height: number): void {
    if (this.doc.y + height > this.doc.page.height - this.doc.page.margins.bottom) this.doc.addPage();
  }
}

function receiptRows(r: ReceiptSheet): FormRow[] {
  const rows: FormRow[] = [
    { depth: 0, label: 'Eingegangen am', value: when(r.receivedAt) },
    { depth: 0, label: 'Eingangskanal', value: r.channel ?? 'nicht angegeben' },
    { depth: 0, label: 'Absender', value: r.sender.behoerdenkennung === undefined ? r.sender.name : `${r.sender.name} (${r.sender.behoerdenkennung})` },
    { depth: 0, label: 'Empfänger', value: r.recipient },
    { depth: 0, label: 'Leistung', value: r.serviceIdentifier },
    { depth: 0, label: 'Einreichung', value: r.submissionId },
    ...(r.caseId === undefined ? [] : [{ depth: 0, label: 'Vorgangsnummer', value: r.caseId }]),
  ];
  if (r.senderReference !== undefined) rows.push({ depth: 0, label: 'Referenz des Absenders', value: r.senderReference });
  rows.push({ depth: 0, label: 'Prüfungen' });
  if (r.checks.length === 0) rows.push({ depth: 1, label: 'Keine Angaben', value: 'Der Hub hat keine Prüfergebnisse übergeben.' });
  for (const c of r.checks) rows.push({ depth: 1, label: c.name, value: c.detail === undefined ? STATUS_TEXT[c.status] : `${STATUS_TEXT[c.status]} – ${c.detail}` });
  rows.push({ depth: 0, label: 'Zuordnungsmodul', value: `${r.mapping.id} ${r.mapping.version}` });
  return rows;
}

function fileRows(label: string, f: ReceiptFile): FormRow[] {
  return [
    { depth: 1, label, value: f.name },
    { depth: 2, label: 'Typ, Größe', value: `${f.mimeType}, ${bytes(f.size)}` },
    { depth: 2, label: 'SHA-256', value: f.sha256 },
  ];
}

/** Renders the application and its receipt sheet as PDF/A-2b (fonts embedded, text extractable). */
export async function renderApplicationPdfOriginal(input: ApplicationPdfInput): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 56, bottom: 56, left: 56, right: 56 },
    pdfVersion: '1.7',
    subset: 'PDF/A-2b',
    lang: 'de-DE',
    // No default font: pdfkit would load Helvetica, a standard font PDF/A forbids unembedded. Every text
    // call below names one of the registered faces. (A parsed font as the default would also be re-opened
    // and compared on every switch back to it, since pdfkit caches it under no name.)
    font: null,
    displayTitle: true,
    info: {
      Title: `Antrag: ${input.title}`,
      Author: input.receipt.sender.name,
      Subject: input.receipt.serviceIdentifier,
      Creator: input.producer,
      Producer: input.producer,
      CreationDate: input.createdAt,
      ModDate: input.createdAt,
    },
  });
  doc.registerFont('regular', FONT_REGULAR);
  doc.registerFont('bold', FONT_BOLD);
  doc.registerFont('mono', FONT_MONO);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject as (e: unknown) => void);
  });

  const page = new Layout(doc);
  page.heading(`Antrag: ${input.title}`, 17);
  if (input.applicant !== undefined) page.paragraph(`Antragsteller: ${input.applicant}`, 11);
  page.paragraph(`Eingegangen am ${when(input.receipt.receivedAt)} · Einreichung ${input.receipt.submissionId}`, 9);
  doc.moveDown(0.5);
  const rows = input.data === undefined ? [] : formRows(input.data, input.formSchema).rows;
  if (rows.length === 0) page.paragraph('Diese Einreichung enthält keine strukturierten Antragsdaten; siehe die Anlagen.');
  for (const row of rows) page.row(row);

  doc.addPage();
  page.heading('Laufzettel');
  page.paragraph('Wie diese Einreichung empfangen, geprüft und für die Akte aufbereitet wurde.', 9);
  doc.moveDown(0.3);
  for (const row of receiptRows(input.receipt)) page.row(row);
  page.row({ depth: 0, label: 'Dateien' });
  if (input.receipt.data) {
    for (const r of fileRows('Strukturierte Antragsdaten', input.receipt.data)) page.row(r, r.label === 'SHA-256' ? 'mono' : 'regular');
    page.row({ depth: 2, label: 'Schema', value: input.receipt.data.schemaUri });
  }
  input.receipt.attachments.forEach((a, i) => {
    for (const r of fileRows(`Anlage ${i + 1}`, a)) page.row(r, r.label === 'SHA-256' ? 'mono' : 'regular');
  });
  if (!input.receipt.data && input.receipt.attachments.length === 0) page.row({ depth: 1, label: 'Keine', value: '–' });
  doc.moveDown(0.5);
  page.paragraph(`Erstellt von ${input.producer} am ${when(input.createdAt)}.`, 8);
  doc.end();
  return done;
}
