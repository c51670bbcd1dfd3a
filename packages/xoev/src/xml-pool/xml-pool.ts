import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { checkedThreadCount, ErrorCode, errorMessage, WeicheError, workerFileBeside } from '@weiche/core';
import type { XoevStandardId, XsdValidationResult } from '../xsd-validator.js';
import type { readXmlData } from '../parse-xml.js';
import { assembleView } from './view-pieces.js';
import { runXmlTask, type XmlTask, type XmlTaskResult } from './xml-task.js';

/** A standard's XSD as the pool validates it: the same verdict as XsdValidator.validate, asynchronously. */
export interface PooledXsdValidator {
  readonly standardId: XoevStandardId;
  validate(xml: string | Uint8Array): Promise<XsdValidationResult>;
}

/**
 * XSD validation and XML parsing on worker threads. Both are synchronous and slow for large documents
 * (libxml2-wasm validates a 16 MiB XBau message in about a second, the strict reader and fast-xml-parser
 * take longer still): on the event loop they would stall every other submission, request and health check
 * of the process. Every document goes through the pool — a small one costs about a millisecond either way,
 * and the main thread then never holds a compiled schema. Threads start on demand and end after a minute
 * idle, taking their compiled schemas and libxml2's grown heap with them (the P3 memory goal). With
 * `threads: 0` the work runs on the calling thread (tests, tools).
 */
export class XmlPool {
  readonly threads: number;
  readonly #piscina: Piscina<XmlTask, XmlTaskResult> | undefined;

  /** `workerFile` replaces the worker's entry (the tests: one that dies). */
  constructor(options: { threads: number; workerFile?: string }) {
    this.threads = checkedThreadCount(options.threads, 'XML pool');
    this.#piscina =
      options.threads === 0
        ? undefined
        : new Piscina<XmlTask, XmlTaskResult>({
            filename: options.workerFile ?? workerFileBeside(import.meta.url, 'xml-worker'),
            minThreads: 0,
            maxThreads: options.threads,
            maxQueue: Number.POSITIVE_INFINITY,
            idleTimeout: 60_000,
          });
  }

  /** libxml2's verdict on one document (line:column messages). */
  async validate(task: Omit<Extract<XmlTask, { op: 'validate' }>, 'op'>): Promise<XsdValidationResult> {
    const result = await this.#run({ op: 'validate', ...task }, task.standardId);
    if (!('verdict' in result)) throw new WeicheError(ErrorCode.INTERNAL, `XSD validation of ${task.standardId} answered without a verdict`);
    return result.verdict;
  }

  /** readXmlData of XML form data (root element and object view); a refused document is its SYNTAX_VIOLATION of the data part. */
  async read(xml: string | Uint8Array): Promise<ReturnType<typeof readXmlData>> {
    const result = await this.#run({ op: 'parse', xml }, 'XML data');
    if (!('read' in result)) throw new WeicheError(ErrorCode.INTERNAL, 'XML parsing answered without a result');
    if (!result.pieces || result.pieces.length === 0) return result.read;
    return { root: result.read.root, view: await assembleView({ skeleton: result.read.view, pieces: result.pieces }) };
  }

  /** A standard's validator bound to the schema cache dir. */
  validator(cacheDir: string, standardId: XoevStandardId): PooledXsdValidator {
    return { standardId, validate: (xml) => this.validate({ cacheDir, standardId, xml }) };
  }

  /** Runs a task; a catalogue error comes back as itself, a crashed or unloadable worker as an internal error that may clear up (retried). */
  async #run(task: XmlTask, what: string): Promise<XmlTaskResult> {
    let result: XmlTaskResult;
    try {
      result = this.#piscina ? await this.#piscina.run(task) : await runXmlTask(task);
    } catch (error) {
      // a worker that died (out of memory, exit) or failed to start: the document itself was never judged
      throw new WeicheError(ErrorCode.INTERNAL, `${what}: the XML worker did not complete: ${errorMessage(error)}`, { retryable: true, cause: error });
    }
    if ('error' in result) {
      const { code, message, status, retryable, part } = result.error;
      throw new WeicheError(code, message, { status, retryable, ...(part ? { part } : {}) });
    }
    return result;
  }

  async close(): Promise<void> {
    await this.#piscina?.close({ force: false });
  }
}

let shared: XmlPool | undefined;

/** The process's XML pool, created on first use: up to two threads (one large document need not hold up a small one). */
export function xmlPool(): XmlPool {
  shared ??= new XmlPool({ threads: Math.min(2, availableParallelism()) });
  return shared;
}

/** A standard's validator on the process's pool: what the hub and the mapping modules validate with. */
export function pooledXsdValidator(opts: { cacheDir: string; standardId: XoevStandardId }): PooledXsdValidator {
  return xmlPool().validator(opts.cacheDir, opts.standardId);
}
