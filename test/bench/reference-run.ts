/**
 * `--reference`: the same load against the reference receiver (reference-receiver.ts: the protocol's crypto on
 * every core, everything in memory), in the same run as the hub — the ceiling this load generator reaches on
 * this machine when the receiver does nothing but what the floor counts.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../support/env.js';
import { drive, LoadSender, throughputOf } from './load-generator.js';
import { processCpuSeconds } from './process-cpu.js';
import { percentile } from './stats.js';

export interface ReferenceFigures {
  readonly accepted: number;
  readonly submissionsPerSec: number;
  readonly elapsedS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU-s per submission of the reference receiver (all its threads) and of the load generator (this process). */
  readonly receiverCpuS: number;
  readonly loadGeneratorCpuS: number;
}

export async function runReference(options: { n: number; warmup: number; inFlight: number; pollMs: number; timeoutMs: number; rate?: number }): Promise<ReferenceFigures> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(import.meta.dirname, 'reference-receiver.js'), String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000)));
  try {
    const deadline = performance.now() + 60_000;
    while (!output.includes('reference receiver listening')) {
      if (child.exitCode !== null || performance.now() > deadline) throw new Error(`reference receiver did not start:\n${output}`);
      await sleep(50);
    }
    const baseUrl = `http://127.0.0.1:${port}`;
    const senders = Array.from({ length: options.inFlight }, () => new LoadSender(baseUrl, 'reference', 'reference', 'reference', options.pollMs));
    await Promise.all(senders.map((s) => s.accessToken()));
    const warm = await Promise.all(Array.from({ length: options.warmup }, (_, i) => senders[0]!.prepare(-1 - i)));
    const prepared = [];
    for (let i = 0; i < options.n; i++) prepared.push(await senders[i % senders.length]!.prepare(i));
    const warmed = await drive(senders.slice(0, 1), warm, { timeoutMs: options.timeoutMs });
    if (warmed.some((w) => w.outcome !== 'accepted')) throw new Error(`reference warm-up not accepted: ${warmed.map((w) => w.outcome).join(', ')}`);

    const receiver0 = await processCpuSeconds(child.pid);
    const sender0 = process.cpuUsage();
    const timed = await drive(senders, prepared, { ...(options.rate === undefined ? {} : { rate: options.rate }), timeoutMs: options.timeoutMs });
    const senderCpuS = ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(sender0));
    const receiverCpuS = ((await processCpuSeconds(child.pid)) ?? Number.NaN) - (receiver0 ?? Number.NaN);
    const { accepted, elapsedS, submissionsPerSec } = throughputOf(timed);
    const latency = accepted.map((t) => t.acceptMs);
    return {
      accepted: accepted.length,
      submissionsPerSec,
      elapsedS,
      p50Ms: percentile(latency, 50),
      p99Ms: percentile(latency, 99),
      receiverCpuS: receiverCpuS / options.n,
      loadGeneratorCpuS: senderCpuS / options.n,
    };
  } finally {
    child.kill('SIGTERM');
  }
}
