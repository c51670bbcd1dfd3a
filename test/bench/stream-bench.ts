/**
 * Streaming benchmark for FIT-Connect's maxima (issue 11, P3; not a test): one attachment of `--mib`
 * MiB (default 500) or a submission of `--parts` such attachments (`--parts 4` ≈ 2 GiB) as compact JWEs,
 * through the package-level path of the hub — blob store intake, streaming JWE decrypt + SHA-512, and
 * decrypt + hash + store encrypted at rest — with the peak RSS of each phase read from /proc/self/status
 * (VmHWM, reset per phase through /proc/self/clear_refs) and every phase compared with a plain copy of
 * the same file (read + write + fsync, like `cat`) measured in the same run. Writes the figures to
 * test/bench/results/stream-<timestamp>.json.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { FsBlobStore, putEncrypted, TenantKeyring } from '@weiche/blobstore';
import { cryptoPool, decryptJweStream, sha512Tap } from '@weiche/crypto';
import { tempDir } from '../support/env.js';
import { writeJwe } from './jwe-file.js';
import { round } from './stats.js';
import { workspaceRoot } from './bench-hub.js';

const { values: args } = parseArgs({ options: { mib: { type: 'string' }, parts: { type: 'string' }, keep: { type: 'boolean' } }, allowPositionals: false });
const MIB = Number(args.mib ?? process.env.BENCH_STREAM_MIB ?? 500);
const PARTS = Number(args.parts ?? process.env.BENCH_STREAM_PARTS ?? 1);
if (!Number.isInteger(MIB) || MIB < 1 || !Number.isInteger(PARTS) || PARTS < 1) throw new Error('--mib and --parts must be positive integers');
const MiB = 1024 * 1024;
const KID = 'bench-destination-key';

/** Peak and current resident set of this process, in MiB, from /proc/self/status. */
async function memory(): Promise<{ peakMiB: number; rssMiB: number }> {
  const status = await readFile('/proc/self/status', 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMiB: round(kb('VmHWM') / 1024), rssMiB: round(kb('VmRSS') / 1024) };
}

/** Resets VmHWM to the current RSS (proc(5): writing 5 to clear_refs), so each phase reports its own peak. */
async function resetPeak(): Promise<void> {
  global.gc?.();
  await writeFile('/proc/self/clear_refs', '5').catch(() => undefined);
}

/** The baseline: read the file and write a copy, then fsync (what `cat a > b && sync b` does). */
async function plainCopy(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from, { highWaterMark: MiB }), createWriteStream(to));
  const handle = await open(to, 'r');
  await handle.sync();
  await handle.close();
}

const devNull = (): Writable => new Writable({ write: (_c, _e, done) => done() });

interface Phase {
  readonly name: string;
  readonly seconds: number;
  readonly plaintextMBps: number;
  readonly copySeconds: number;
  /** copy time ÷ phase time for the same input file: 1.0 = as fast as a plain copy. */
  readonly ratioToCopy: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  readonly rssBeforeMiB: number;
}

async function main(): Promise<void> {
  const dir = await tempDir('stream-bench');
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 4096 });
  const plaintextBytes = MIB * MiB;
  const totalPlaintext = plaintextBytes * PARTS;
  const store = new FsBlobStore({ root: join(dir, 'blobs') });
  const keyring = new TenantKeyring({ dir: join(dir, 'keys'), masterKey: randomBytes(32) });
  const jwe = join(dir, 'attachment.jwe');
  console.log(`writing a ${MIB} MiB attachment as JWE (${PARTS} part${PARTS > 1 ? 's' : ''}; not timed) …`);
  await writeJwe(jwe, plaintextBytes, publicKey, KID);
  const jweBytes = (await stat(jwe)).size;
  const phases: Phase[] = [];
  const opts = { privateKey, expectedKid: KID };
  // intake keys per part: the same file stored again is one blob (content-addressed), so vary nothing and reuse the key
  let key = '';

  async function measure(name: string, run: () => Promise<void>): Promise<void> {
    await rm(join(dir, 'copy'), { force: true });
    const copyStart = performance.now();
    for (let p = 0; p < PARTS; p++) await plainCopy(jwe, join(dir, 'copy'));
    const copySeconds = (performance.now() - copyStart) / 1000;
    await rm(join(dir, 'copy'), { force: true });
    await resetPeak();
    const before = await memory();
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let p = 0; p < PARTS; p++) await run();
    const seconds = (performance.now() - start) / 1000;
    // CPU of all this process's threads (main, crypto pool, libuv): less sensitive to a busy machine than wall time
    const cpu = process.cpuUsage(cpuStart);
    const after = await memory();
    const phase = {
      name,
      seconds: round(seconds, 2),
      plaintextMBps: round(totalPlaintext / 1e6 / seconds),
      copySeconds: round(copySeconds, 2),
      ratioToCopy: round(copySeconds / seconds, 2),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
      peakRssMiB: after.peakMiB,
      rssBeforeMiB: before.rssMiB,
    };
    phases.push(phase);
    console.log(`${name.padEnd(34)} ${String(phase.seconds).padStart(7)} s  ${String(phase.plaintextMBps).padStart(7)} MB/s plaintext  copy ${phase.copySeconds} s  ratio ${phase.ratioToCopy}  CPU ${phase.cpuSeconds} s  peak RSS ${phase.peakRssMiB} MiB (before ${phase.rssBeforeMiB})`);
  }

  await measure('intake: store JWE (sha256, fsync)', async () => {
    key = (await store.put(createReadStream(jwe, { highWaterMark: MiB }))).key;
  });
  let cek: Buffer | undefined;
  await measure('open: decrypt + SHA-512', async () => {
    const out = decryptJweStream(store.get(key), opts);
    const tap = sha512Tap();
    await pipeline(out.plaintext, tap, devNull());
    cek = await out.cek;
  });
  await measure('package: decrypt + hash + store', async () => {
    const out = decryptJweStream(store.get(key), { cek: cek ?? Buffer.alloc(0), expectedKid: KID });
    const tap = sha512Tap();
    out.plaintext.on('error', (e) => tap.destroy(e));
    const stored = await putEncrypted(store, keyring, 'bench', out.plaintext.pipe(tap));
    await store.delete(stored.key);
  });
  const result = {
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version, loadAverage: loadavg().map((l) => round(l, 2)) },
    attachmentMiB: MIB,
    parts: PARTS,
    plaintextBytes: totalPlaintext,
    jweBytesPerPart: jweBytes,
    cryptoThreads: cryptoPool().threads,
    phases,
  };
  const resultsDir = join(workspaceRoot(), 'test', 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `stream-${result.when.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`figures: ${file}`);
  if (!args.keep) await rm(dir, { recursive: true, force: true });
  await cryptoPool().close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
