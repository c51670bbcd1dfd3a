import type { Pool, PoolClient } from 'pg';
import { toJournalError } from './journal-error.js';

/** Runs `fn` in one transaction on one pooled client; commits on success, rolls back on any error. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw toJournalError(error);
  }
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // a client that cannot roll back is unusable: release(err) destroys it instead of pooling it
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw toJournalError(error);
  } finally {
    client.release(broken);
  }
}
