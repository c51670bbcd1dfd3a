/**
 * End-to-end benchmark at FIT-Connect's maxima (issue 11, P3; not a test): one submission with `--parts`
 * attachments of `--mib` MiB each (default 1 × 500 MiB; `--parts 4` = 2000 MiB, FIT-Connect's 2 GB per
 * submission) through the built hub (role all, default limits) — streamed upload, decrypt, hash, map,
 * package, deliver to the DMS folder — timed from the sender's side, with the hub's peak RSS read from
 * /proc/<pid>/status (VmHWM, the whole process with its crypto threads). The baseline, measured in the
 * same run on the same files, is a plain copy (read + write + fsync). Verifies the ZIP in the outbox
 * holds every attachment byte for byte (SHA-512, streamed). Writes test/bench/results/large-<ts>.json.
 */
import { createHash, createPublicKey, randomUUID, type JsonWebKey } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import yauzl from 'yauzl';
import { dropSchema, freePort, tempDir, waitFor } from '../support/env.js';
import { eventNames, eventPayload, TestSender } from '../support/fit-connect-sender.js';
import { SERVICE, writeTestConfig } from '../support/test-config.js';
import { BenchHub, workspaceRoot } from './bench-hub.js';
import { writeJwe } from './jwe-file.js';
import { processCpuSeconds } from './process-cpu.js';
import { round } from './stats.js';

// --cpu-prof-dir D: V8 profiles of the hub (all threads) written to D, for a flame graph of where the time goes
const { values: args } = parseArgs({ options: { mib: { type: 'string' }, parts: { type: 'string' }, 'cpu-prof-dir': { type: 'string' } }, allowPositionals: false });
const MIB = Number(args.mib ?? 500);
const PARTS = Number(args.parts ?? 1);
if (!Number.isInteger(MIB) || MIB < 1 || !Number.isInteger(PARTS) || PARTS < 1) throw new Error('--mib and --parts must be positive integers');
const MiB = 1024 * 1024;

/** Peak (VmHWM) and current (VmRSS) resident set of a process in MiB. */
async function memoryOf(pid: number): Promise<{ peakMiB: number; rssMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMiB: round(kb('VmHWM') / 1024), rssMiB: round(kb('VmRSS') / 1024) };
}

/** Resets a process's VmHWM to its current RSS (proc(5): write 5 to clear_refs; root or the same user). */
async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
}

/** The baseline: read the file and write a copy, then fsync (what `cat a > b && sync b` does). */
async function plainCopy(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from, { highWaterMark: MiB }), createWriteStream(to));
  const handle = await open(to, 'r');
  await handle.sync();
  await handle.close();
}

/** SHA-512 of every entry of a ZIP, streamed (entries of any size). */
function zipEntryHashes(file: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, decodeStrings: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('no zip'));
      const hashes = new Map<string, string>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error('no stream'));
          const hash = createHash('sha512');
          stream.on('data', (chunk: Buffer) => hash.update(chunk));
          stream.on('end', () => {
            hashes.set(hash.digest('hex'), entry.fileName);
            zip.readEntry();
          });
          stream.on('error', reject);
        });
      });
      zip.on('end', () => resolve(hashes));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

async function main(): Promise<void> {
  const dir = await tempDir('large-bench');
  const port = await freePort();
  const cfg = await writeTestConfig(dir, {
    port,
    overrides: (raw) => {
      raw.processing = { concurrency: 4, lockDurationMs: 30_000, reconcileIntervalMs: 30_000, reconcileAfterMs: 600_000 };
    },
  });
  const hub = new BenchHub(cfg.file, args['cpu-prof-dir'] ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof-dir']}`] } : {});
  const plaintextBytes = MIB * MiB * PARTS;
  console.log(`large submission benchmark: ${PARTS} × ${MIB} MiB = ${round(plaintextBytes / 1e9, 2)} GB plaintext; load average ${loadavg().map((l) => round(l, 2)).join(' ')}`);
  let exitCode = 1;
  try {
    await hub.start();
    const pid = hub.pid!;
    const sender = new TestSender(`http://127.0.0.1:${port}`, cfg.clientId, cfg.clientSecret);
    const { jwk, kid } = await sender.destinationKey(cfg.destinationId);
    const { key_ops: _ops, ...publicJwk } = jwk;
    const publicKey = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' });

    console.log('encrypting the attachments to files (not timed) …');
    const parts = [];
    for (let i = 0; i < PARTS; i++) {
      const file = join(dir, `part-${i}.jwe`);
      const written = await writeJwe(file, MIB * MiB, publicKey, kid);
      parts.push({ file, attachmentId: randomUUID(), ...written, jweBytes: (await stat(file)).size });
    }
    const copyStart = performance.now();
    for (const part of parts) await plainCopy(part.file, join(dir, 'copy'));
    const copySeconds = (performance.now() - copyStart) / 1000;
    await rm(join(dir, 'copy'), { force: true });

    const before = await memoryOf(pid);
    await resetPeak(pid);
    const cpuBefore = (await processCpuSeconds(pid)) ?? 0;
    const t0 = performance.now();
    const created = await sender.json<{ submissionId: string; caseId: string }>('POST', '/v1/submissions', {
      destinationId: cfg.destinationId,
      serviceType: { identifier: SERVICE, name: 'Baugenehmigung beantragen' },
      announcedAttachments: parts.map((p) => p.attachmentId),
    });
    const token = await sender.fetchToken();
    for (const part of parts) {
      const response = await fetch(`${sender.baseUrl}/v1/submissions/${created.submissionId}/attachments/${part.attachmentId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/jose', 'content-length': String(part.jweBytes) },
        body: Readable.toWeb(createReadStream(part.file, { highWaterMark: MiB })) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      if (response.status !== 204) throw new Error(`attachment upload → ${response.status}: ${await response.text()}`);
    }
    const uploadSeconds = (performance.now() - t0) / 1000;
    const afterUpload = await memoryOf(pid);
    await resetPeak(pid);
    const data = Buffer.from(JSON.stringify({ vorhaben: 'Einfamilienhaus', anlagen: PARTS }));
    const metadata = {
      $schema: 'https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json',
      contentStructure: {
        data: { hash: { type: 'sha512', content: createHash('sha512').update(data).digest('hex') }, submissionSchema: { schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' } },
        attachments: parts.map((p, i) => ({ attachmentId: p.attachmentId, hash: { type: 'sha512', content: p.sha512 }, purpose: 'attachment', mimeType: 'application/pdf', filename: `Bauplan-${i + 1}.pdf` })),
      },
    };
    const submit = await sender.request('PUT', `/v1/submissions/${created.submissionId}`, {
      encryptedMetadata: await sender.encrypt(cfg.destinationId, Buffer.from(JSON.stringify(metadata))),
      encryptedData: await sender.encrypt(cfg.destinationId, data),
    });
    if (submit.status !== 202) throw new Error(`submit → ${submit.status}: ${await submit.text()}`);
    const tSubmit = performance.now();
    const log = await waitFor(
      'accept-submission',
      async () => {
        const tokens = await sender.events(created.caseId);
        const names = eventNames(tokens);
        if (names.includes('reject-submission')) throw new Error(`rejected: ${JSON.stringify(eventPayload(tokens[tokens.length - 1]!))}`);
        return names.includes('accept-submission') ? tokens : undefined;
      },
      3_600_000,
      250,
    );
    const tAccept = performance.now();
    const after = await memoryOf(pid);
    const cpuSeconds = ((await processCpuSeconds(pid)) ?? 0) - cpuBefore;
    const processSeconds = (tAccept - tSubmit) / 1000;
    const totalSeconds = (tAccept - t0) / 1000;

    const zips = (await readdir(cfg.outbox)).filter((f) => f.endsWith('.zip'));
    const hashes = zips.length === 1 ? await zipEntryHashes(join(cfg.outbox, zips[0]!)) : new Map<string, string>();
    const intact = zips.length === 1 && parts.every((p) => hashes.has(p.sha512));
    const accepted = eventNames(log).filter((n) => n === 'accept-submission').length === 1;

    const mbps = (seconds: number): number => round(plaintextBytes / 1e6 / seconds);
    const result = {
      benchmark: 'large-submission',
      when: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version, loadAverage: loadavg().map((l) => round(l, 2)) },
      parts: PARTS,
      attachmentMiB: MIB,
      plaintextBytes,
      jweBytes: parts.reduce((sum, p) => sum + p.jweBytes, 0),
      baseline: { plainCopySeconds: round(copySeconds, 2), plaintextMBps: mbps(copySeconds) },
      upload: { seconds: round(uploadSeconds, 2), plaintextMBps: mbps(uploadSeconds) },
      submitToAccept: { seconds: round(processSeconds, 2), plaintextMBps: mbps(processSeconds), ratioToCopy: round(copySeconds / processSeconds, 2) },
      total: { seconds: round(totalSeconds, 2), plaintextMBps: mbps(totalSeconds) },
      hub: { rssBeforeMiB: before.rssMiB, peakRssMiB: Math.max(afterUpload.peakMiB, after.peakMiB), peakRssUploadMiB: afterUpload.peakMiB, peakRssProcessingMiB: after.peakMiB, cpuSeconds: round(cpuSeconds, 1) },
      verified: { oneZip: zips.length === 1, attachmentsIntact: intact, oneAccept: accepted },
    };
    console.log(`  baseline plain copy         ${result.baseline.plainCopySeconds} s (${result.baseline.plaintextMBps} MB/s)`);
    console.log(`  upload (streamed PUTs)      ${result.upload.seconds} s (${result.upload.plaintextMBps} MB/s plaintext)`);
    console.log(`  submit → accept-submission  ${result.submitToAccept.seconds} s (${result.submitToAccept.plaintextMBps} MB/s plaintext; copy ÷ this = ${result.submitToAccept.ratioToCopy})`);
    console.log(`  first byte → accept         ${result.total.seconds} s (${result.total.plaintextMBps} MB/s)`);
    console.log(`  hub RSS                     ${before.rssMiB} MiB before; peak ${afterUpload.peakMiB} MiB during upload, ${after.peakMiB} MiB submit → accept (VmHWM); ${result.hub.cpuSeconds} CPU-s`);
    console.log(`  verification                ${intact && accepted ? 'OK' : 'FAILED'}: ${zips.length} ZIP, attachments ${intact ? 'intact' : 'NOT intact'}, ${accepted ? 'one' : 'no single'} accept-submission`);
    const resultsDir = join(workspaceRoot(), 'test', 'bench', 'results');
    await mkdir(resultsDir, { recursive: true });
    const out = join(resultsDir, `large-${result.when.replace(/[:.]/g, '-')}.json`);
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`figures: ${out}`);
    exitCode = intact && accepted ? 0 : 1;
  } finally {
    await hub.stop();
    await dropSchema(cfg.schema).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
