import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { dispositionOf, ErrorCode, errorMessage, isWeicheError } from '@weiche/core';

/** How long a job waits while the hub's own storage (journal, blob store) is unreachable before it looks again. */
export const STORAGE_PAUSE_MS = 2000;

/** True when the hub's own storage is unreachable: nobody's fault, and no reason to use up a job's attempts. */
export function isStorageOutage(error: unknown): boolean {
  return isWeicheError(error) && error.code === ErrorCode.STORAGE_UNAVAILABLE;
}

// BullMQ's errors take a message only; the cause keeps the code and errno the log reads (errorFacts)
function withCause<E extends Error>(wrapper: E, cause: unknown): E {
  wrapper.cause = cause;
  return wrapper;
}

/**
 * Runs the body of a BullMQ job. An error a retry cannot help (a catalogue error that is not retryable)
 * becomes BullMQ's UnrecoverableError, so the job stops at once instead of using up its attempts.
 * A storage outage (PostgreSQL or the blob store unreachable) pauses the job: it is moved back to
 * delayed without counting an attempt, so a 20 s database cut never turns into FAILED submissions
 * or dead-lettered deliveries; it runs again once the storage answers. Everything else is thrown on
 * for BullMQ's backoff.
 */
export async function runJob<T>(job: Pick<Job, 'moveToDelayed'>, token: string | undefined, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (isStorageOutage(error)) {
      await job.moveToDelayed(Date.now() + STORAGE_PAUSE_MS, token);
      throw withCause(new DelayedError(`paused: ${errorMessage(error)}`), error);
    }
    if (dispositionOf(error) !== 'retry') throw withCause(new UnrecoverableError(errorMessage(error)), error);
    throw error;
  }
}

/** Attempts of a job as the stages see them. */
export interface JobAttempts {
  readonly attemptsMade: number;
  readonly maxAttempts: number;
}
