// The application as a clerk reads it: a PDF/A-2b (ISO 19005-2, conformance b) with the form's fields
// under German labels, followed by the "Laufzettel" (receipt sheet) that says how the hub received it.
// pdfkit writes the XMP PDF/A identification and the sRGB output intent; DejaVu Sans (from the
// dejavu-fonts-ttf package, Bitstream Vera licence) is embedded as a subset, so text stays extractable.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as PdfKit from 'pdfkit';
import { FORM_BUDGET, formRows, type FormRow } from './form-rows.js';
import { SharedFontWork } from './pdf-font-caches.js';
import { layoutText } from './pdf-layout-text.js';
import { showable, type GlyphFont } from './pdf-showable-text.js';

const require = createRequire(import.meta.url);
// pdfkit is CommonJS with `export =`; without esModuleInterop it is loaded through require.
const PDFDocument = require('pdfkit') as typeof PdfKit;
// pdfkit's own font parser (pdfkit also takes a parsed font where it takes a file). Parsing DejaVu's
// tables costs far more than laying out a page, so each face is parsed once per process and every
// document embeds its own subset of the same parsed font (pdfkit keeps subsets and layout caches per
// document; the parsed font only caches what it read from the file). What every document would redo with
// it, shaping the labels and decoding glyphs for the subset, is shared through pdf-font-caches.ts.
const fontkit = require('fontkit') as { create(buffer: Buffer): GlyphFont };
const font = (file: string): GlyphFont => fontkit.create(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`)));
const FONT_REGULAR = font('DejaVuSans.ttf');
const FONT_BOLD = font('DejaVuSans-Bold.ttf');
const FONT_MONO = font('DejaVuSansMono.ttf');
// Every document embeds a subset of each face prepared once per process (pdf-prepared-subset.ts): German
// text for the text faces; the mono face shows only SHA-256 digests, so its subset holds the hex digits.
const REPERTOIRES = new Map([[FONT_MONO, [...'0123456789abcdef']]]);

/** Outcome of one check, as the receipt sheet shows it. */
export interface ReceiptCheck {
  /** e.g. "Entschlüsselung". */
  name: string;
  status: 'passed' | 'failed' | 'not-applicable' | 'not-checked';
  detail?: string;
}

/** One file that came with the application. */
export interface ReceiptFile {
  name: string;
  mimeType: string;
  size: number;
  sha256: string;
}

/** The facts of the "Laufzettel". */
export interface ReceiptSheet {
  receivedAt: Date;
  /** e.g. "FIT-Connect"; absent when the hub did not say. */
  channel?: string;
  sender: { name: string; behoerdenkennung?: string };
  recipient: string;
  submissionId: string;
  /** FIT-Connect case id, where the channel has one. */
  caseId?: string;
  serviceIdentifier: string;
  senderReference?: string;
  checks: ReceiptCheck[];
  mapping: { id: string; version: string };
  data?: ReceiptFile & { schemaUri: string };
  attachments: ReceiptFile[];
}

/** What the application PDF shows. */
export interface ApplicationPdfInput {
  /** The service's name, e.g. "Baugenehmigung beantragen". */
  title: string;
  /** Applicant or organisation, when known. */
  applicant?: string;
  /** Parsed form data; absent when the submission had none. */
  data?: unknown;
  /** JSON schema of the form data: field titles become the labels. */
  formSchema?: Record<string, unknown>;
  receipt: ReceiptSheet;
  /** Creation time written into the PDF (deterministic in tests). */
  createdAt: Date;
  /** e.g. "Weiche 0.1.0". */
  producer: string;
}

const STATUS_TEXT: Record<ReceiptCheck['status'], string> = {
  passed: 'bestanden',
  failed: 'nicht bestanden',
  'not-applicable': 'entfällt',
  'not-checked': 'nicht geprüft',
};

const BERLIN = new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', dateStyle: 'medium', timeStyle: 'medium' });
const BERLIN_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar day in Germany (YYYY-MM-DD) of an instant: the date of receipt an authority records. */
export function berlinDate(at: Date): string {
  return BERLIN_DAY.format(at);
}

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

// A row of the receipt sheet whose value is the hub's own wording (status texts, channel, mapping), not
// something the sender wrote: such values may join the shared word layouts like labels do.
type SheetRow = FormRow & { fixed?: boolean };
type Face = 'regular' | 'bold' | 'mono';
const FACES: Record<Face, GlyphFont> = { regular: FONT_REGULAR, bold: FONT_BOLD, mono: FONT_MONO };
// The tallest row (pt) kept together on one page.
const MAX_ROW_KEPT = 200;

class Layout {
  private readonly left: number;
  private readonly width: number;
  private readonly fonts = new SharedFontWork(REPERTOIRES);
  constructor(private readonly doc: PDFKit.PDFDocument) {
    this.left = doc.page.margins.left;
    this.width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  }

  // Every text call goes through here, so each font the document opens is hooked into the shared caches.
  private use(face: Face, size: number): PDFKit.PDFDocument {
    this.doc.font(face).fontSize(size);
    this.fonts.adopt(this.doc);
    return this.doc;
  }

  // Runs `render` with its words shared across documents when `vocabulary`, else per document only.
  private words<T>(vocabulary: boolean, render: () => T): T {
    return vocabulary ? this.fonts.asVocabulary(render) : render();
  }

  /** A heading: fixed wording or the service's name, so its words are shared. */
  heading(text: string, size = 16): void {
    this.ensure(size * 2.2);
    this.words(true, () => this.use('bold', size).text(showable(FACES.bold, layoutText(text)), this.left, this.doc.y, { width: this.width }));
    this.doc.moveDown(0.4);
  }

  /** A paragraph; `fixed` when it is the hub's wording with nothing of the submission in it. */
  paragraph(text: string, size = 10, fixed = false): void {
    this.words(fixed, () => this.use('regular', size).text(showable(FACES.regular, layoutText(text)), this.left, this.doc.y, { width: this.width }));
    this.doc.moveDown(0.3);
  }

  // A label column and a value column; a row without value is a section heading.
  row(row: SheetRow, font: 'regular' | 'mono' = 'regular'): void {
    const indent = Math.min(row.depth, 6) * 10;
    const labelWidth = this.width * 0.36 - indent;
    const valueX = this.left + this.width * 0.38;
    const valueWidth = this.width * 0.62;
    // A SHA-256 in the mono font at 7.5 pt fits one line of the value column, so a clerk can compare it at a glance.
    const valueSize = font === 'mono' ? 7.5 : 9.5;
    // only what the faces have glyphs for is drawn (pdf-showable-text.ts: no .notdef in a PDF/A-2)
    const label = showable(FACES.bold, layoutText(row.label));
    // the mono face shows only the hub's own 64-digit digests, which fit the line: nothing to bound or break
    const value = row.value === undefined ? undefined : showable(FACES[font], font === 'mono' ? row.value : layoutText(row.value));
    const labelOptions = { width: value === undefined ? this.width - indent : labelWidth };
    // A row that does not fit in the room left starts a new page; one taller than MAX_ROW_KEPT is split
    // instead. So only a row near the bottom needs measuring (a second line-breaking pass over its text).
    if (this.room() < MAX_ROW_KEPT) {
      const labelHeight = this.words(true, () => this.use('bold', 9.5).heightOfString(label, labelOptions));
      const valueHeight = value === undefined ? 0 : this.words(row.fixed === true, () => this.use(font, valueSize).heightOfString(value, { width: valueWidth }));
      this.ensure(Math.min(Math.max(labelHeight, valueHeight) + 3, MAX_ROW_KEPT));
    }
    const y = this.doc.y;
    this.words(true, () => this.use('bold', 9.5).text(label, this.left + indent, y, labelOptions));
    const afterLabel = this.doc.y;
    if (value !== undefined) this.words(row.fixed === true, () => this.use(font, valueSize).text(value, valueX, y, { width: valueWidth }));
    this.doc.x = this.left;
    this.doc.y = Math.max(afterLabel, this.doc.y) + 3;
  }

  private room(): number {
    return this.doc.page.height - this.doc.page.margins.bottom - this.doc.y;
  }

  private ensure(height: number): void {
    if (height > this.room()) this.doc.addPage();
  }
}

function receiptRows(r: ReceiptSheet): SheetRow[] {
  const rows: SheetRow[] = [
    { depth: 0, label: 'Eingegangen am', value: when(r.receivedAt) },
    { depth: 0, label: 'Eingangskanal', value: r.channel ?? 'nicht angegeben', fixed: true },
    { depth: 0, label: 'Absender', value: r.sender.behoerdenkennung === undefined ? r.sender.name : `${r.sender.name} (${r.sender.behoerdenkennung})` },
    { depth: 0, label: 'Empfänger', value: r.recipient, fixed: true },
    { depth: 0, label: 'Leistung', value: r.serviceIdentifier, fixed: true },
    { depth: 0, label: 'Einreichung', value: r.submissionId },
    ...(r.caseId === undefined ? [] : [{ depth: 0, label: 'Vorgangsnummer', value: r.caseId }]),
  ];
  if (r.senderReference !== undefined) rows.push({ depth: 0, label: 'Referenz des Absenders', value: r.senderReference });
  rows.push({ depth: 0, label: 'Prüfungen' });
  if (r.checks.length === 0) rows.push({ depth: 1, label: 'Keine Angaben', value: 'Der Hub hat keine Prüfergebnisse übergeben.', fixed: true });
  // check names and details are the hub's (algorithms, what was compared), not the sender's
  for (const c of r.checks) rows.push({ depth: 1, label: c.name, value: c.detail === undefined ? STATUS_TEXT[c.status] : `${STATUS_TEXT[c.status]} – ${c.detail}`, fixed: true });
  rows.push({ depth: 0, label: 'Zuordnungsmodul', value: `${r.mapping.id} ${r.mapping.version}`, fixed: true });
  return rows;
}

function fileRows(label: string, f: ReceiptFile): FormRow[] {
  return [
    { depth: 1, label, value: f.name },
    { depth: 2, label: 'Typ, Größe', value: `${f.mimeType}, ${bytes(f.size)}` },
    { depth: 2, label: 'SHA-256', value: f.sha256 },
  ];
}

// The form part is laid out in slices of at most this many rows or characters, each followed by a turn of the
// event loop: a form within FORM_BUDGET still takes about a second of CPU, and in the meantime the processor's
// lock renewals, other submissions and health probes must get their turn.
const SLICE_ROWS = 100;
const SLICE_CHARACTERS = 20_000;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Names the data file of the package (the receipt sheet lists it under "Strukturierte Antragsdaten").
function dataFileText(data: ReceiptSheet['data']): string {
  return data === undefined ? 'in den strukturierten Antragsdaten der Einreichung' : `in der Datei „${data.name}“ (Strukturierte Antragsdaten, siehe Laufzettel)`;
}

/** Renders the application and its receipt sheet as PDF/A-2b (fonts embedded, text extractable). */
export async function renderApplicationPdf(input: ApplicationPdfInput): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 56, bottom: 56, left: 56, right: 56 },
    pdfVersion: '1.7',
    subset: 'PDF/A-2b',
    lang: 'de-DE',
    // No default font: pdfkit would load Helvetica, a standard font PDF/A forbids unembedded. Every text
    // call below names one of the registered faces. (A parsed font as the default would also be re-opened
    // and compared on every switch back to it, since pdfkit caches it under no name.)
    font: null as unknown as string,
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
  // pdfkit takes a parsed font where it takes a file name
  for (const [name, face] of Object.entries(FACES)) doc.registerFont(name, face as unknown as string);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const page = new Layout(doc);
  page.heading(`Antrag: ${input.title}`, 17);
  if (input.applicant !== undefined) page.paragraph(`Antragsteller: ${input.applicant}`, 11);
  page.paragraph(`Eingegangen am ${when(input.receipt.receivedAt)} · Einreichung ${input.receipt.submissionId}`, 9);
  doc.moveDown(0.5);
  const { rows, shortened, cut } = input.data === undefined ? { rows: [], shortened: false, cut: false } : formRows(input.data, input.formSchema);
  if (rows.length === 0 && !shortened) page.paragraph('Diese Einreichung enthält keine strukturierten Antragsdaten; siehe die Anlagen.', 10, true);
  const complete = dataFileText(input.receipt.data);
  if (shortened) {
    page.paragraph(
      `Hinweis: Die Antragsdaten sind hier gekürzt. Dieses PDF zeigt höchstens ${INTEGER.format(FORM_BUDGET.rows)} Zeilen mit zusammen ${INTEGER.format(FORM_BUDGET.characters)} Zeichen ` +
        `und ${FORM_BUDGET.nesting} Ebenen; vollständig stehen die Antragsdaten ${complete}.`,
      10,
    );
  }
  let slice = 0;
  for (const [i, row] of rows.entries()) {
    page.row(row);
    slice += row.label.length + (row.value?.length ?? 0);
    if (slice >= SLICE_CHARACTERS || i % SLICE_ROWS === SLICE_ROWS - 1) {
      slice = 0;
      await nextTurn();
    }
  }
  if (cut) page.paragraph(`… (gekürzt: die weiteren Antragsdaten stehen ${complete})`, 10);

  doc.addPage();
  page.heading('Laufzettel');
  page.paragraph('Wie diese Einreichung empfangen, geprüft und für die Akte aufbereitet wurde.', 9, true);
  doc.moveDown(0.3);
  for (const row of receiptRows(input.receipt)) page.row(row);
  page.row({ depth: 0, label: 'Dateien' });
  if (input.receipt.data) {
    for (const r of fileRows('Strukturierte Antragsdaten', input.receipt.data)) page.row(r, r.label === 'SHA-256' ? 'mono' : 'regular');
    page.row({ depth: 2, label: 'Schema', value: input.receipt.data.schemaUri, fixed: true });
  }
  input.receipt.attachments.forEach((a, i) => {
    for (const r of fileRows(`Anlage ${i + 1}`, a)) page.row(r, r.label === 'SHA-256' ? 'mono' : 'regular');
  });
  if (!input.receipt.data && input.receipt.attachments.length === 0) page.row({ depth: 1, label: 'Keine', value: '–', fixed: true });
  doc.moveDown(0.5);
  page.paragraph(`Erstellt von ${input.producer} am ${when(input.createdAt)}.`, 8);
  doc.end();
  return done;
}
