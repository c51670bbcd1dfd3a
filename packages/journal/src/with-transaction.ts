import type { Pool, PoolClient } from 'pg';
import { toJournalError } from './journal-error.js';

/**
 * Runs `fn` in one transaction on one pooled client; commits on success, rolls back on any error.
 *
 * While checked out, a client is not watched by the pool: a connection reset then emits 'error' on the
 * client itself, and an EventEmitter 'error' without a listener kills the process. The listener below
 * keeps the process alive; the pending query rejects with the same error (→ STORAGE_UNAVAILABLE), and
 * the broken client is destroyed on release instead of going back into the pool.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw toJournalError(error);
  }
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken ??= error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (!broken) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // a client that cannot roll back is unusable: release(err) destroys it instead of pooling it
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
    }
    throw toJournalError(error);
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}
