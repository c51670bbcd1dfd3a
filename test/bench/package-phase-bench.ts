/**
 * The package phase of a large FIT-Connect attachment, alone (issue 11, P3; a hand-run benchmark, not a test):
 * decryptJweStream of the stored JWE from the blob store → SHA-512 tap → putEncrypted (SHA-256, AES-256-GCM at
 * rest, content address, write + fsync), `--runs` times in one process, printing wall s, plaintext MB/s, this
 * process's CPU-s (all threads) and peak RSS per run. The JWE is written once into `--dir` and reused by later
 * invocations — also by a build of another commit (copy this compiled file into its test/dist/bench), so two builds
 * can be run alternately on the very same input. Figures go to test/bench/results/package-phase-<timestamp>.json.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { FsBlobStore, putEncrypted, TenantKeyring } from '@weiche/blobstore';
import { decryptJweStream, sha512Tap } from '@weiche/crypto';
import { writeJwe } from './jwe-file.js';
import { round } from './stats.js';
import { workspaceRoot } from './bench-hub.js';

const { values: args } = parseArgs({
  options: { mib: { type: 'string' }, runs: { type: 'string' }, dir: { type: 'string' }, label: { type: 'string' } },
  allowPositionals: false,
});
const MIB = Number(args.mib ?? 500);
const RUNS = Number(args.runs ?? 3);
const DIR = args.dir ?? '/tmp/weiche-package-phase-bench';
const LABEL = args.label ?? 'this build';
if (!Number.isInteger(MIB) || MIB < 1 || !Number.isInteger(RUNS) || RUNS < 1) throw new Error('--mib and --runs must be positive integers');
const MiB = 1024 * 1024;
const KID = 'bench-destination-key';

/** What later invocations need to reuse the input: the JWE's blob key and content key (a throw-away bench key). */
interface Input {
  readonly mib: number;
  readonly blobKey: string;
  readonly cekHex: string;
}

async function input(store: FsBlobStore): Promise<Input> {
  const file = join(DIR, `input-${MIB}.json`);
  const known = await readFile(file, 'utf8').then((text) => JSON.parse(text) as Input, () => undefined);
  if (known && (await store.size(known.blobKey).catch(() => -1)) > 0) return known;
  console.log(`writing a ${MIB} MiB attachment as JWE into ${DIR} (once, not timed) …`);
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwe = join(DIR, `attachment-${MIB}.jwe`);
  const { cek } = await writeJwe(jwe, MIB * MiB, publicKey, KID);
  const { key } = await store.put(createReadStream(jwe, { highWaterMark: MiB }));
  await rm(jwe);
  const made = { mib: MIB, blobKey: key, cekHex: cek.toString('hex') };
  await writeFile(file, JSON.stringify(made));
  return made;
}

async function peakRssMiB(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  return round(Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024);
}

async function main(): Promise<void> {
  await mkdir(DIR, { recursive: true });
  // the input store is shared by every invocation; each run's output goes to this process's own store
  const inputs = new FsBlobStore({ root: join(DIR, 'blobs') });
  const work = join(DIR, `out-${process.pid}`);
  const store = new FsBlobStore({ root: join(work, 'blobs') });
  const keyring = new TenantKeyring({ dir: join(work, 'keys'), masterKey: randomBytes(32) });
  const { blobKey, cekHex } = await input(inputs);
  const cek = Buffer.from(cekHex, 'hex');
  const runs = [];
  for (let run = 1; run <= RUNS; run++) {
    await writeFile('/proc/self/clear_refs', '5').catch(() => undefined);
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const out = decryptJweStream(inputs.get(blobKey), { cek, expectedKid: KID });
    const tap = sha512Tap();
    out.plaintext.on('error', (e) => tap.destroy(e));
    const stored = await putEncrypted(store, keyring, 'bench', out.plaintext.pipe(tap));
    const cpu = process.cpuUsage(cpuStart);
    const seconds = (performance.now() - start) / 1000;
    await store.delete(stored.key);
    const figures = {
      run,
      seconds: round(seconds, 2),
      plaintextMBps: round((MIB * MiB) / 1e6 / seconds),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
      peakRssMiB: await peakRssMiB(),
      sha512: tap.digestHex().slice(0, 16),
    };
    runs.push(figures);
    console.log(`${LABEL} run ${run}: ${figures.seconds} s  ${figures.plaintextMBps} MB/s  CPU ${figures.cpuSeconds} s  peak RSS ${figures.peakRssMiB} MiB  sha512 ${figures.sha512}…`);
  }
  await rm(work, { recursive: true, force: true });
  const result = {
    when: new Date().toISOString(),
    label: LABEL,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version, execArgv: process.execArgv, loadAverage: loadavg().map((l) => round(l, 2)) },
    attachmentMiB: MIB,
    runs,
  };
  const resultsDir = join(workspaceRoot(), 'test', 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, `package-phase-${result.when.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
