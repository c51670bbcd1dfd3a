import { DelayedError, UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { ErrorCode, errorFacts, inputProblem, WeicheError } from '@weiche/core';
import { runJob, STORAGE_PAUSE_MS } from './worker-job.js';

function fakeJob(): { moved: Array<{ at: number; token: string | undefined }>; moveToDelayed(at: number, token?: string): Promise<void> } {
  const moved: Array<{ at: number; token: string | undefined }> = [];
  return { moved, moveToDelayed: async (at, token) => void moved.push({ at, token }) };
}

describe('runJob: what a job does with an error', () => {
  it('a storage outage pauses the job (delayed, no attempt used) instead of failing it', async () => {
    const job = fakeJob();
    const before = Date.now();
    const outage = new WeicheError(ErrorCode.STORAGE_UNAVAILABLE, 'journal unavailable: read ECONNRESET', { status: 503, retryable: true });
    await expect(runJob(job, 'token-1', () => Promise.reject(outage))).rejects.toBeInstanceOf(DelayedError);
    expect(job.moved).toHaveLength(1);
    expect(job.moved[0]?.token).toBe('token-1');
    expect(job.moved[0]?.at).toBeGreaterThanOrEqual(before + STORAGE_PAUSE_MS);
  });

  it('an input problem stops at once; anything else goes to BullMQ backoff', async () => {
    const job = fakeJob();
    await expect(runJob(job, 't', () => Promise.reject(inputProblem(ErrorCode.SYNTAX_VIOLATION, 'x', { part: 'data' })))).rejects.toBeInstanceOf(UnrecoverableError);
    const flaky = new Error('socket hang up');
    await expect(runJob(job, 't', () => Promise.reject(flaky))).rejects.toBe(flaky);
    expect(job.moved).toEqual([]);
  });

  it("BullMQ's error keeps the one it stands for as its cause: the log line of the failed job names its code", async () => {
    const stopped = new WeicheError(ErrorCode.DELIVERY_PERMANENT, 'permanent: refused Mustermann_Erika.pdf');
    const thrown = await runJob(fakeJob(), 't', () => Promise.reject(stopped)).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(UnrecoverableError);
    expect(errorFacts(thrown)).toEqual({ type: 'UnrecoverableError', code: ErrorCode.DELIVERY_PERMANENT });
    const outage = new WeicheError(ErrorCode.STORAGE_UNAVAILABLE, 'journal unavailable', { retryable: true });
    expect(errorFacts(await runJob(fakeJob(), 't', () => Promise.reject(outage)).catch((error: unknown) => error))).toMatchObject({ code: ErrorCode.STORAGE_UNAVAILABLE });
  });
});
