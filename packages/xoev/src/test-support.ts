// Test-only helpers (not exported from the barrel; `@weiche/xoev/test-support` for the workspace's tests and
// benchmarks): a real schema cache in a temp dir, installed by the same script `npm test` runs, and sample messages.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ApplicationPdfInput } from './application-pdf.js';
import { buildXbauAntrag0200 } from './xbau-0200.js';

/** Absolute path of scripts/install-schemas.mjs. */
export const INSTALL_SCRIPT = fileURLToPath(new URL('../../../scripts/install-schemas.mjs', import.meta.url));

/** Runs the installer with the given env; resolves with exit code and output instead of throwing. */
export async function runInstaller(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [INSTALL_SCRIPT], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** Creates a temp dir and installs every manifest's files into it; throws when the installer fails. */
export async function installTempSchemaCache(): Promise<string> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'weiche-schemas-'));
  const result = await runInstaller({ WEICHE_SCHEMA_CACHE: cacheDir });
  if (result.code !== 0) throw new Error(`install-schemas failed: ${result.stderr}`);
  return cacheDir;
}

/** An application PDF's input with `value` as applicant, family name, form field `label`, reference and attachment name. */
export function applicationPdfInput(value: string, label: string): ApplicationPdfInput {
  return {
    title: 'Baugenehmigung beantragen',
    applicant: value,
    data: { [label]: value, antragsteller: { familienname: value, vorname: 'Jürgen' } },
    createdAt: new Date('2025-03-01T10:00:05Z'),
    producer: 'Weiche 0.1.0',
    receipt: {
      receivedAt: new Date('2025-03-01T10:00:00Z'),
      channel: 'FIT-Connect',
      sender: { name: 'Bauportal NRW' },
      recipient: 'Stadt Münster – Bauordnungsamt',
      submissionId: '5b0c2d9e-4a43-4c51-9f0e-3c9c4b5a0a01',
      serviceIdentifier: 'urn:de:fim:leika:leistung:99010003001006',
      senderReference: value,
      checks: [{ name: 'Entschlüsselung', status: 'passed', detail: 'RSA-OAEP-256 / A256GCM' }],
      mapping: { id: 'generic-xdomea', version: '2.0.0' },
      data: { name: 'fachdaten.json', mimeType: 'application/json', size: 1217, sha256: 'a'.repeat(64), schemaUri: 'urn:weiche:schema:bauantrag:1.0' },
      attachments: [{ name: `${value}.pdf`, mimeType: 'application/pdf', size: 123_456, sha256: 'b'.repeat(64) }],
    },
  };
}

/**
 * A large real Bauantrag as the Bauantrag form (schemas/forms/bauantrag-1.0.json) takes it: six applicants with every
 * field, a Baubeschreibung of 5,000 characters, 120 attachments each described. The measure of FORM_BUDGET.
 */
export function largeBauantrag(): Record<string, unknown> {
  const person = (i: number): unknown => ({
    natuerlichePerson: {
      anrede: 'Frau',
      titel: 'Dr.-Ing.',
      familienname: `Müller-Lüdenscheidt ${i}`,
      vorname: 'Anna-Katharina Maria',
      anschrift: { strasse: 'Kaiser-Wilhelm-Straße', hausnummer: '117a', postleitzahl: '48149', ort: 'Münster', ortsteil: 'Kreuzviertel', zusatz: 'Hinterhaus, 3. Obergeschoss' },
      kommunikation: { email: `a.mueller${i}@example.org`, telefon: '+49 251 1234567', mobil: '+49 171 7654321' },
    },
  });
  const sentence = 'Zweigeschossiges Wohn- und Geschäftshaus mit ausgebautem Dachgeschoss, Tiefgarage mit 24 Stellplätzen und begrüntem Flachdach. ';
  return {
    antragsteller: Array.from({ length: 6 }, (_, i) => person(i + 1)),
    bauvorhaben: {
      bezeichnung: 'Neubau eines Wohn- und Geschäftshauses mit Tiefgarage und Außenanlagen',
      beschreibung: sentence.repeat(40).slice(0, 5000),
      baugrundstueck: { strasse: 'Am Schloßgarten', hausnummer: '17', postleitzahl: '48149', ort: 'Münster', ortsteil: 'Kreuzviertel', gemarkung: 'Münster', flur: '12', flurstueck: '345/6' },
    },
    anlagen: Array.from({ length: 120 }, (_, i) => ({
      attachmentId: `9b2f4c1e-7d3a-4e5b-8c6d-${String(i).padStart(12, '0')}`,
      bezeichnung: `Bauzeichnung Grundriss ${i + 1}. Geschoss, Maßstab 1:100, Stand nach Abstimmung`,
      anlageart: '0300',
      datum: '2025-02-20',
      wirdNachgereicht: i % 7 === 0,
    })),
  };
}

/** A fixed UUID numbered `i` (sample messages stay the same from run to run). */
const sampleUuid = (i: number): string => `7d5b1a8e-2f44-4a3c-9b7e-${i.toString(16).padStart(12, '0')}`;

/**
 * A valid XBau baugenehmigung.antrag.0200 of the Bauaufsicht Testhausen: `antragsteller` applicants (about 450 bytes
 * each: a community of heirs makes a large message) and `anlagen` attachments listed (`Plan-<i>.pdf`, about 400 bytes each).
 */
export function sampleXbauAntrag0200(size: { antragsteller?: number; anlagen?: number } = {}): string {
  const { antragsteller = 1, anlagen = 0 } = size;
  return buildXbauAntrag0200({
    nachrichtenUUID: sampleUuid(0),
    createdAt: new Date('2026-11-30T04:00:00Z'),
    produkt: 'Weiche',
    produkthersteller: 'Weiche-Projekt',
    leser: { kennung: 'ags:05974028', name: 'Gemeinde Testhausen' },
    autor: { kennung: 'psw:01000001', name: 'Bauportal' },
    empfangendeStelle: { kennung: 'ags:05974028', name: 'Gemeinde Testhausen' },
    antragsteller: Array.from({ length: antragsteller }, (_, i) => ({
      natuerlichePerson: { familienname: `Muster${i}`, vorname: 'Jürgen', anschrift: { strasse: 'Weg', hausnummer: String(i + 1), postleitzahl: '48143', ort: 'Münster' } },
    })),
    bauvorhaben: { bezeichnung: 'Neubau Einfamilienhaus', grundstueck: { ort: 'Münster' } },
    anlagen: Array.from({ length: anlagen }, (_, i) => ({
      bezeichnung: `Anlage ${i}`,
      mimeType: 'application/pdf',
      sha256: 'ab'.repeat(32),
      dokumentId: sampleUuid(i + 1),
      dateiname: `Plan-${i}.pdf`,
    })),
  });
}

/** Runs `work` and counts the event loop's turns meanwhile (work done in one synchronous piece leaves none). */
export async function loopTurnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const count = (): void => {
    turns++;
    if (running) setImmediate(count);
  };
  setImmediate(count);
  try {
    return { result: await work(), turns };
  } finally {
    running = false;
  }
}
