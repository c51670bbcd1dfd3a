import { isWeicheError, type ErrorCode, type SubmissionPart } from '@weiche/core';
import { readXmlData } from '../parse-xml.js';
import { sharedXsdValidator } from '../xsd-validator-cache.js';
import type { XoevStandardId, XsdValidationResult } from '../xsd-validator.js';

/** One document to validate against a standard's XSD (compiled once per thread, from the verified cache dir). */
export interface ValidateTask {
  readonly op: 'validate';
  readonly cacheDir: string;
  readonly standardId: XoevStandardId;
  readonly xml: string | Uint8Array;
}

/** XML form data to read into the object view of parseXml and its root element (readXmlData). */
export interface ParseTask {
  readonly op: 'parse';
  readonly xml: string | Uint8Array;
}

export type XmlTask = ValidateTask | ParseTask;

/** A catalogue error as data: a WeicheError loses its class, code and part crossing threads, so the pool rebuilds it. */
export interface CarriedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly part?: SubmissionPart;
}

/** The verdict or the parsed object, or the catalogue error the task ended with (a refused document, a tampered schema cache). */
export type XmlTaskResult =
  | { readonly verdict: XsdValidationResult }
  /** From a worker thread, a large view comes as a skeleton in `read.view` and its serialized pieces (view-pieces.ts). */
  | { readonly read: ReturnType<typeof readXmlData>; readonly pieces?: readonly Uint8Array[] }
  | { readonly error: CarriedError };

async function execute(task: XmlTask): Promise<XmlTaskResult> {
  switch (task.op) {
    case 'validate': {
      const validator = await sharedXsdValidator({ cacheDir: task.cacheDir, standardId: task.standardId });
      return { verdict: validator.validate(task.xml) };
    }
    case 'parse':
      return { read: readXmlData(typeof task.xml === 'string' ? task.xml : Buffer.from(task.xml.buffer, task.xml.byteOffset, task.xml.byteLength)) };
    default:
      return task satisfies never;
  }
}

/** Runs one task on the current thread (a pool worker, or the caller when the pool has no threads). */
export async function runXmlTask(task: XmlTask): Promise<XmlTaskResult> {
  try {
    return await execute(task);
  } catch (error) {
    if (!isWeicheError(error)) throw error;
    return { error: { code: error.code, message: error.message, status: error.status, retryable: error.retryable, ...(error.part ? { part: error.part } : {}) } };
  }
}
