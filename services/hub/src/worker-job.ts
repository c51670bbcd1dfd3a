import { UnrecoverableError } from 'bullmq';
import { dispositionOf, errorMessage } from '@weiche/core';

/**
 * Runs the body of a BullMQ job. An error a retry cannot help (a catalogue error that is not retryable)
 * becomes BullMQ's UnrecoverableError, so the job stops at once instead of using up its attempts;
 * everything else is thrown on for BullMQ's backoff.
 */
export async function runJob<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (dispositionOf(error) !== 'retry') throw new UnrecoverableError(errorMessage(error));
    throw error;
  }
}

/** Attempts of a job as the stages see them. */
export interface JobAttempts {
  readonly attemptsMade: number;
  readonly maxAttempts: number;
}
