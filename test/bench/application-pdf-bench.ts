// Cost of the application PDF (PDF/A-2b, form rows + Laufzettel) per submission: the current
// renderApplicationPdf against the original one (application-pdf-original.ts) in the same process,
// interleaved in rounds so that load from other processes hits both alike. Also checks that both show
// the same page for the same input: every word at the same place (poppler's `pdftotext -bbox`). The
// bytes differ since each document embeds font subsets prepared once per process (pdf-prepared-subset.ts).
// Run: npx tsc -b && node test/dist/bench/application-pdf-bench.js [--n 300] [--rounds 6] [--only current|original]
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { renderApplicationPdf, type ApplicationPdfInput } from '@weiche/xoev';
import { benchInput as input } from './application-pdf-input.js';
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

// Every word of the PDF with its box, as poppler reads it: the text and the layout a clerk sees.
async function words(pdf: Buffer, dir: string): Promise<string> {
  const file = join(dir, 'page.pdf');
  await writeFile(file, pdf);
  const { stdout } = await promisify(execFile)('pdftotext', ['-bbox', '-enc', 'UTF-8', file, '-']);
  return stdout.replace(/<head>[^]*<\/head>/, '');
}

async function main(): Promise<void> {
  const variants: Variant[] = args.only === undefined ? ['original', 'current'] : [args.only as Variant];
  for (const v of variants) if (!(v in VARIANTS)) throw new Error(`--only: original or current, not ${v}`);

  // Same input → same words at the same places: the change must not alter what the clerk sees.
  let identical: boolean | undefined;
  if (variants.length === 2) {
    identical = true;
    const dir = await mkdtemp(join(tmpdir(), 'weiche-pdf-bench-'));
    for (let i = 0; i < 20; i++) {
      const x = input(1_000_000 + i);
      const [a, b] = [await words(await renderApplicationPdfOriginal(x), dir), await words(await renderApplicationPdf(x), dir)];
      if (a !== b || !a.includes('Laufzettel')) identical = false;
    }
    await rm(dir, { recursive: true, force: true });
    if (!identical) console.error('FAILED: original and current render different words or places for the same input');
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
  if (ratio) console.log(`original ÷ current: wall ${ratio.wall.toFixed(2)}×, CPU ${ratio.cpu.toFixed(2)}×; same words at the same places (pdftotext -bbox): ${identical ? 'yes' : 'NO'}`);

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
