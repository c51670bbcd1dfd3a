// XSD validation cost per message (issue 4): libxml2-wasm with the schema compiled once, against a
// baseline of parsing the same XML with libxml2 (no schema) and with fast-xml-parser, in the same run.
// Run: npx tsc -b test && node test/dist/bench/xsd-validation-bench.js
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { XsdValidator, buildXdomea0401, isWellFormedLibxml, parseXml, resolveSchemaCacheDir } from '@weiche/xoev';
import { sampleXbauAntrag0200 } from '@weiche/xoev/test-support';

const ITERATIONS = Number(process.env['BENCH_ITERATIONS'] ?? 500);
const cacheDir = resolveSchemaCacheDir();

function xdomea(): string {
  const documents = Array.from({ length: 5 }, (_, i) => {
    const id = randomUUID();
    return { id, title: `Anlage ${i}`, formats: [{ fileName: `${id}_Anlage_${i}.pdf`, originalName: `Anlage ${i}.pdf`, format: { code: '018', version: '1.7' } }] };
  });
  return buildXdomea0401({
    prozessId: randomUUID(),
    createdAt: new Date(),
    sender: { behoerdenkennung: 'psw:01000001', name: 'Bauportal' },
    recipient: { behoerdenkennung: 'ags:05515000', name: 'Stadt Münster', organisationseinheit: 'Bauordnungsamt' },
    sendingSystem: { product: 'Weiche', version: '0.1.0' },
    vorgangId: randomUUID(),
    subject: 'Baugenehmigung beantragen',
    documents,
    cacheDir,
  });
}

const xbau = (): string => sampleXbauAntrag0200({ anlagen: 5 });

function time(fn: () => void): number {
  for (let i = 0; i < 20; i++) fn();
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) fn();
  return (performance.now() - start) / ITERATIONS;
}

async function main(): Promise<void> {
  const rows: Array<Record<string, string | number>> = [];
  for (const [label, standardId, xml] of [
    ['xdomea 0401 (5 documents)', 'xdomea-3.1.0', xdomea()],
    ['XBau 0200 (5 anlagen)', 'xbau-2.6', xbau()],
  ] as const) {
    const loadStart = performance.now();
    const validator = await XsdValidator.load({ cacheDir, standardId });
    const loadMs = performance.now() - loadStart;
    if (!validator.validate(xml).valid) throw new Error(`${label} is not valid`);
    const validateMs = time(() => validator.validate(xml));
    const libxmlParseMs = time(() => isWellFormedLibxml(xml));
    const fxpParseMs = time(() => parseXml(xml));
    validator.close();
    rows.push({
      message: label,
      bytes: Buffer.byteLength(xml),
      'schema load ms (once)': Number(loadMs.toFixed(1)),
      'parse+validate ms': Number(validateMs.toFixed(3)),
      'libxml2 parse only ms': Number(libxmlParseMs.toFixed(3)),
      'fast-xml-parser ms': Number(fxpParseMs.toFixed(3)),
      'validation cost ms': Number((validateMs - libxmlParseMs).toFixed(3)),
    });
  }
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, ${ITERATIONS} iterations`);
  console.table(rows);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
