import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { Journal } from './journal.js';
import { testDatabase } from './test-schema.js';

const db = testDatabase();
const journal = db.store(Journal);
beforeAll(() => db.migrate());
afterAll(() => db.drop());

// Defence behind the edge checks: a value PostgreSQL refuses (SQLSTATE class 22) is the caller's 400,
// never an INTERNAL 500 carrying the driver's text.
describe('toJournalError', () => {
  it('a NUL that reaches PostgreSQL is a 400 BAD_REQUEST without the driver text', async () => {
    const error = await journal.getSubmission('a\u0000b').then(
      () => undefined,
      (e: unknown) => e as { code: string; status: number; retryable: boolean; message: string },
    );
    expect(error).toMatchObject({ code: ErrorCode.BAD_REQUEST, status: 400, retryable: false });
    expect(error?.message).toBe('a value cannot be stored (SQLSTATE 22021)');
  });
});
