import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ErrorCode, errorMessage, WeicheError } from '@weiche/core';
import type { XoevStandardId, XsdValidationResult } from '../xsd-validator.js';
import { runXsdTask, type XsdTask, type XsdTaskResult } from './xsd-task.js';

/**
 * The worker file. Under vitest the package runs from `src/*.ts`, which a worker thread cannot load,
 * so the compiled twin in `dist/` is used (`npm test` builds first).
 */
function workerFile(): string {
  const own = import.meta.url;
  const url = own.endsWith('.ts') ? new URL('../../dist/xsd-pool/xsd-worker.js', own) : new URL('./xsd-worker.js', own);
  if (!existsSync(fileURLToPath(url))) throw new Error(`XSD worker ${fileURLToPath(url)} is missing: build the workspace first (npx tsc -b)`);
  return url.href;
}

/** A standard's XSD as the pool validates it: the same verdict as XsdValidator.validate, asynchronously. */
export interface PooledXsdValidator {
  readonly standardId: XoevStandardId;
  validate(xml: string | Uint8Array): Promise<XsdValidationResult>;
}

/**
 * XSD validation on worker threads: libxml2-wasm validates synchronously, ~1 s for a 16 MiB XBau message,
 * and on the event loop that would stall every other submission, request and health check of the process.
 * Every message goes through the pool (a small one costs ~1 ms either way; one way of doing it, and the main
 * thread never holds a compiled schema). Threads start on demand and end after a minute idle, taking their
 * compiled schemas and libxml2's grown heap with them (the P3 memory goal). With `threads: 0` validation runs
 * on the calling thread (tests, tools).
 */
export class XsdPool {
  readonly threads: number;
  readonly #piscina: Piscina<XsdTask, XsdTaskResult> | undefined;

  /** `workerFile` replaces the worker's entry (the tests: one that dies). */
  constructor(options: { threads: number; workerFile?: string }) {
    if (!Number.isInteger(options.threads) || options.threads < 0) throw new RangeError(`XSD pool threads must be an integer ≥ 0, got ${options.threads}`);
    this.threads = options.threads;
    this.#piscina =
      options.threads === 0
        ? undefined
        : new Piscina<XsdTask, XsdTaskResult>({
            filename: options.workerFile ?? workerFile(),
            minThreads: 0,
            maxThreads: options.threads,
            maxQueue: Number.POSITIVE_INFINITY,
            idleTimeout: 60_000,
          });
  }

  /** The verdict on one document; a crashed or unloadable worker is an internal error that may clear up (retried). */
  async validate(task: XsdTask): Promise<XsdValidationResult> {
    const result = await this.#run(task);
    if ('verdict' in result) return result.verdict;
    throw new WeicheError(result.error.code, result.error.message, { retryable: result.error.retryable });
  }

  async #run(task: XsdTask): Promise<XsdTaskResult> {
    if (!this.#piscina) return runXsdTask(task);
    try {
      return await this.#piscina.run(task);
    } catch (error) {
      // a worker that died (out of memory, exit) or failed to start: the document itself was never judged
      throw new WeicheError(ErrorCode.INTERNAL, `XSD validation of ${task.standardId} did not complete: ${errorMessage(error)}`, { retryable: true, cause: error });
    }
  }

  /** A standard's validator bound to the schema cache dir. */
  validator(cacheDir: string, standardId: XoevStandardId): PooledXsdValidator {
    return { standardId, validate: (xml) => this.validate({ cacheDir, standardId, xml }) };
  }

  async close(): Promise<void> {
    await this.#piscina?.close({ force: false });
  }
}

let shared: XsdPool | undefined;

/** The process's XSD pool, created on first use: up to two threads (one large message need not hold up a small one). */
export function xsdPool(): XsdPool {
  shared ??= new XsdPool({ threads: Math.min(2, availableParallelism()) });
  return shared;
}

/** A standard's validator on the process's pool: what the hub and the mapping modules validate with. */
export function pooledXsdValidator(opts: { cacheDir: string; standardId: XoevStandardId }): PooledXsdValidator {
  return xsdPool().validator(opts.cacheDir, opts.standardId);
}
