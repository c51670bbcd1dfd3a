// Cost of the application PDF (PDF/A-2b, form rows + Laufzettel) per submission: the current
// renderApplicationPdf against the original one (application-pdf-original.ts) in the same process,
// interleaved in rounds so that load from other processes hits both alike. Also checks that both write
// byte-identical PDFs for the same input (same text, same positions, same embedded subsets).
// Run: npx tsc -b && node test/dist/bench/application-pdf-bench.js [--n 300] [--rounds 6] [--only current|original]
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderApplicationPdf, type ApplicationPdfInput } from '@weiche/xoev';
import { renderApplicationPdfOriginal } from './application-pdf-original.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '30' },
    only: { type: 'string' },
  },
});
const N = Number(args.n);
const ROUNDS = Number(args.rounds);
const WARMUP = Number(args.warmup);

const FIRST = ['Jürgen', 'Anna-Lena', 'Özlem', 'Heinz-Günther', 'Marie', 'Björn', 'Sophie', 'Mehmet'];
const LAST = ['Müßig-Größer', 'Schäfer', 'Yılmaz', 'Weißhaupt', 'Krüger', 'Nguyen', 'Oßwald', 'Bäumer'];
const STREETS = ['Weißdornweg', 'Am Kötterbach', 'Große Straße', 'Lindenallee', 'Schlossplatz', 'Mühlenstraße'];
const PLACES = ['Münster', 'Gütersloh', 'Köln', 'Düsseldorf', 'Lüdenscheid', 'Paderborn'];

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** ~2 KiB of form data without schema (labels from the field names, as in the intake benchmark): German fields, short values, a few long random strings. */
function formData(i: number): Record<string, unknown> {
  return {
    antragsteller: {
      anrede: i % 2 === 0 ? 'Herr' : 'Frau',
      vorname: pick(FIRST, i),
      familienname: pick(LAST, i * 7 + 3),
      geburtsdatum: `19${50 + (i % 49)}-0${1 + (i % 9)}-1${i % 10}`,
      anschrift: { strasse: pick(STREETS, i), hausnummer: `${1 + (i % 120)}a`, postleitzahl: `${48000 + (i % 999)}`, ort: pick(PLACES, i) },
      telefon: `+49 251 ${100000 + i}`,
      email: `antrag.${i}@example.org`,
    },
    bauvorhaben: {
      bezeichnungDesBauvorhabens: 'Neubau eines Einfamilienhauses mit Garage und überdachtem Stellplatz',
      artDerAnlage: 'Wohngebäude',
      gebaeudeklasse: `GK ${1 + (i % 3)}`,
      anzahlWohnungen: 1 + (i % 3),
      vollgeschosse: 2,
      grundflaecheQm: `${120 + (i % 80)},5`,
      geplanterBaubeginn: `2025-0${1 + (i % 9)}-01`,
    },
    baugrundstueck: {
      gemarkung: pick(PLACES, i + 2),
      flur: `${1 + (i % 30)}`,
      flurstueck: `${100 + i}/${1 + (i % 9)}`,
      lage: `${pick(STREETS, i + 1)} ${1 + (i % 80)}, ${pick(PLACES, i + 2)}`,
    },
    erklaerungen: { bauvorlageberechtigt: true, nachbarbeteiligungErfolgt: i % 3 === 0, statikWirdNachgereicht: i % 2 === 0, denkmalschutz: false },
    entwurfsverfasser: { name: `Architekturbüro ${pick(LAST, i + 5)}`, kammernummer: `AKNW-${10000 + i}` },
    beschreibung: 'Das Gebäude wird in Massivbauweise errichtet; die Dachform ist ein Satteldach mit 38° Neigung. Die Garage schließt an die Grenze an.',
    // like the load generator's synthetic data: long random strings, each a word of its own
    bemerkungen: [hex(24), hex(24), hex(24), hex(24)],
    aktenzeichenPortal: `${randomUUID()}`,
  };
}

function input(i: number): ApplicationPdfInput {
  const data = formData(i);
  const file = (name: string, size: number) => ({ name, mimeType: 'application/pdf', size, sha256: createHash('sha256').update(randomBytes(16)).digest('hex') });
  return {
    title: 'Baugenehmigung beantragen',
    applicant: `${pick(FIRST, i)} ${pick(LAST, i * 7 + 3)}`,
    data,
    createdAt: new Date(Date.UTC(2025, 2, 1, 10, 0, 5) + i * 61_000),
    producer: 'Weiche 0.1.0',
    receipt: {
      receivedAt: new Date(Date.UTC(2025, 2, 1, 10, 0, 0) + i * 61_000),
      channel: 'FIT-Connect',
      sender: { name: 'Bauportal NRW', behoerdenkennung: 'psw:01000001' },
      recipient: 'Stadt Münster – Bauordnungsamt',
      submissionId: randomUUID(),
      caseId: randomUUID(),
      serviceIdentifier: 'urn:de:fim:leika:leistung:99010003001006',
      senderReference: `BENCH-${i}`,
      checks: [
        { name: 'Entschlüsselung', status: 'passed', detail: 'RSA-OAEP-256 / A256GCM' },
        { name: 'Prüfsummen', status: 'passed', detail: 'SHA-512 von Daten und Anlagen' },
        { name: 'Signatur des Autors', status: 'not-applicable' },
      ],
      mapping: { id: 'generic-xdomea', version: '2.0.0' },
      data: { ...file('fachdaten.json', Buffer.byteLength(JSON.stringify(data))), mimeType: 'application/json', schemaUri: 'urn:test:schema:1.0' },
      attachments: [file(`anlage-${i}-0.pdf`, 102_400), file(`Lageplan_Größe_${i}.pdf`, 102_400)],
    },
  };
}

type Render = (input: ApplicationPdfInput) => Promise<Buffer>;
const VARIANTS: Record<'original' | 'current', Render> = { original: renderApplicationPdfOriginal, current: renderApplicationPdf };
type Variant = keyof typeof VARIANTS;

interface Totals {
  pdfs: number;
  wallMs: number;
  cpuMs: number;
  bytes: number;
}

async function timed(render: Render, inputs: readonly ApplicationPdfInput[], into: Totals): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const x of inputs) into.bytes += (await render(x)).length;
  into.wallMs += performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  into.cpuMs += (cpu.user + cpu.system) / 1000;
  into.pdfs += inputs.length;
}

async function main(): Promise<void> {
  const variants: Variant[] = args.only === undefined ? ['original', 'current'] : [args.only as Variant];
  for (const v of variants) if (!(v in VARIANTS)) throw new Error(`--only: original or current, not ${v}`);

  // Same input → same bytes: the change must not alter what the clerk sees (text, positions, fonts).
  let identical: boolean | undefined;
  if (variants.length === 2) {
    identical = true;
    for (let i = 0; i < 20; i++) {
      const x = input(1_000_000 + i);
      const [a, b] = [await renderApplicationPdfOriginal(x), await renderApplicationPdf(x)];
      if (!a.equals(b)) identical = false;
    }
    if (!identical) console.error('FAILED: original and current render different bytes for the same input');
  }

  const inputs = Array.from({ length: N + WARMUP }, (_, i) => input(i));
  const warm = inputs.slice(0, WARMUP);
  for (const v of variants) await timed(VARIANTS[v], warm, { pdfs: 0, wallMs: 0, cpuMs: 0, bytes: 0 });

  const totals = Object.fromEntries(variants.map((v) => [v, { pdfs: 0, wallMs: 0, cpuMs: 0, bytes: 0 }])) as Record<Variant, Totals>;
  const timedInputs = inputs.slice(WARMUP);
  const perRound = Math.ceil(N / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    const slice = timedInputs.slice(r * perRound, (r + 1) * perRound);
    // alternate which variant goes first, so neither always runs on a warmer or quieter machine
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) await timed(VARIANTS[v], slice, totals[v]);
  }

  const rows = variants.map((v) => {
    const t = totals[v];
    return { variant: v, pdfs: t.pdfs, 'ms/PDF': Number((t.wallMs / t.pdfs).toFixed(2)), 'CPU ms/PDF': Number((t.cpuMs / t.pdfs).toFixed(2)), 'KiB/PDF': Number((t.bytes / t.pdfs / 1024).toFixed(1)) };
  });
  const ratio = variants.length === 2 ? { wall: totals.original.wallMs / totals.current.wallMs, cpu: totals.original.cpuMs / totals.current.cpuMs } : undefined;
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${N} PDFs per variant in ${ROUNDS} rounds`);
  console.table(rows);
  if (ratio) console.log(`original ÷ current: wall ${ratio.wall.toFixed(2)}×, CPU ${ratio.cpu.toFixed(2)}×; byte-identical output: ${identical ? 'yes' : 'NO'}`);

  const results = join(dirname(fileURLToPath(import.meta.url)), '../../bench/results');
  await mkdir(results, { recursive: true });
  const file = join(results, `application-pdf-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify({ node: process.version, cpus: cpus().length, loadAverage: loadavg(), n: N, rounds: ROUNDS, rows, ratio, identical }, null, 2)}\n`);
  console.log(`figures: ${file}`);
  if (identical === false) process.exit(1);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
