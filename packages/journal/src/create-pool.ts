import pg from 'pg';

/** Creates a PostgreSQL connection pool for the journal. */
export function createPool(connectionString: string, opts: { max?: number } = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 10 });
  // An idle client losing its connection emits 'error' on the pool; without a listener that kills the
  // process. The pool drops the client, and the next query reports the outage as STORAGE_UNAVAILABLE.
  pool.on('error', () => undefined);
  return pool;
}
