import { isWeicheError, type ErrorCode } from '@weiche/core';
import { sharedXsdValidator } from '../xsd-validator-cache.js';
import type { XoevStandardId, XsdValidationResult } from '../xsd-validator.js';

/** One document to validate against a standard's XSD (compiled once per thread, from the verified cache dir). */
export interface XsdTask {
  readonly cacheDir: string;
  readonly standardId: XoevStandardId;
  readonly xml: string | Uint8Array;
}

/**
 * The verdict, or the catalogue error that kept the schema from loading (a tampered cache, a missing file):
 * a WeicheError loses its class and code crossing threads, so it travels as data and is rebuilt by the pool.
 */
export type XsdTaskResult = { readonly verdict: XsdValidationResult } | { readonly error: { readonly code: ErrorCode; readonly message: string; readonly retryable: boolean } };

/** Runs one validation on the current thread (a pool worker, or the caller when the pool has no threads). */
export async function runXsdTask(task: XsdTask): Promise<XsdTaskResult> {
  try {
    const validator = await sharedXsdValidator({ cacheDir: task.cacheDir, standardId: task.standardId });
    return { verdict: validator.validate(task.xml) };
  } catch (error) {
    if (isWeicheError(error)) return { error: { code: error.code, message: error.message, retryable: error.retryable } };
    throw error;
  }
}
