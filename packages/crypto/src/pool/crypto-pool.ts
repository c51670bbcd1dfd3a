import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { checkedThreadCount, workerFileBeside } from '@weiche/core';
import { runCryptoTask } from './crypto-task.js';
import type { CryptoOp, CryptoTask, CryptoTaskResult } from './crypto-task.js';

/** Tasks run and milliseconds spent per operation since the pool started (summed over its threads). */
export type CryptoPoolStats = { readonly threads: number } & Record<CryptoOp, { readonly tasks: number; readonly ms: number }>;

/**
 * RSA private-key operations on a worker-thread pool sized to the cores, so they neither block the
 * event loop nor queue behind file I/O in libuv's own thread pool. With `threads: 0` they run on the
 * calling thread (tests, tools, a one-core container).
 */
export class CryptoPool {
  readonly threads: number;
  readonly #piscina: Piscina<CryptoTask, CryptoTaskResult> | undefined;
  readonly #stats = { unwrap: { tasks: 0, ms: 0 }, sign: { tasks: 0, ms: 0 } };

  constructor(options: { threads: number }) {
    this.threads = checkedThreadCount(options.threads, 'crypto pool');
    this.#piscina =
      options.threads === 0
        ? undefined
        : new Piscina<CryptoTask, CryptoTaskResult>({
            filename: workerFileBeside(import.meta.url, 'crypto-worker'),
            minThreads: options.threads,
            maxThreads: options.threads,
            // a task is a few milliseconds of RSA: queue them rather than refuse
            maxQueue: Number.POSITIVE_INFINITY,
            idleTimeout: 60_000,
          });
  }

  /** Runs one private-key operation; the output is a Buffer on the caller's side. */
  async run(task: CryptoTask): Promise<Buffer> {
    return (await this.runTraced(task)).output;
  }

  /** As run(), also telling which thread ran the task and for how long. */
  async runTraced(task: CryptoTask): Promise<{ output: Buffer; ms: number; threadId: number }> {
    const result = this.#piscina ? await this.#piscina.run(task) : runCryptoTask(task);
    const stat = this.#stats[task.op];
    stat.tasks += 1;
    stat.ms += result.ms;
    const { output } = result;
    return { output: Buffer.from(output.buffer, output.byteOffset, output.byteLength), ms: result.ms, threadId: result.threadId };
  }

  stats(): CryptoPoolStats {
    return { threads: this.threads, unwrap: { ...this.#stats.unwrap }, sign: { ...this.#stats.sign } };
  }

  async close(): Promise<void> {
    await this.#piscina?.close({ force: false });
  }
}

/** Threads of the shared pool when nobody configured it: WEICHE_CRYPTO_THREADS, else one per core. */
export function defaultCryptoThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.WEICHE_CRYPTO_THREADS;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`WEICHE_CRYPTO_THREADS must be an integer ≥ 0, got "${raw}"`);
    return n;
  }
  return availableParallelism();
}

let shared: CryptoPool | undefined;

/**
 * The process's crypto pool, created on first use. A process-wide resource like libuv's thread pool:
 * the package's functions (decryptCompactJwe, decryptJweStream, decryptOsciContent, JwtSigner) use it,
 * so their callers need no handle.
 */
export function cryptoPool(): CryptoPool {
  shared ??= new CryptoPool({ threads: defaultCryptoThreads() });
  return shared;
}

/** Sizes the shared pool (call once at start-up); an earlier pool is closed after its running tasks. */
export function configureCryptoPool(options: { threads: number }): CryptoPool {
  const previous = shared;
  shared = new CryptoPool(options);
  void previous?.close();
  return shared;
}
