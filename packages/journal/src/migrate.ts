import type { Pool } from 'pg';
import { toJournalError } from './journal-error.js';
import { MIGRATIONS } from './migrations/index.js';
import { quoteSchema } from './schema-name.js';

/**
 * Creates the schema if missing and applies pending migrations once, each in its own transaction,
 * recording them in <schema>.schema_migrations. A session advisory lock per schema serializes
 * concurrent callers (several hub processes starting at once): the second waits, then finds nothing to do.
 */
export async function migrate(pool: Pool, schema: string): Promise<{ applied: string[] }> {
  const s = quoteSchema(schema);
  let client;
  try {
    client = await pool.connect();
  } catch (error) {
    throw toJournalError(error);
  }
  const applied: string[] = [];
  let broken: Error | undefined;
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext($1))`, [`weiche.journal.migrate.${schema}`]);
    try {
      // inside the lock: CREATE … IF NOT EXISTS is not safe against concurrent creators
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = new Set(
        (await client.query<{ id: string }>(`SELECT id FROM ${s}.schema_migrations`)).rows.map((r) => r.id),
      );
      for (const migration of MIGRATIONS) {
        if (done.has(migration.id)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql(s));
          await client.query(`INSERT INTO ${s}.schema_migrations (id) VALUES ($1)`, [migration.id]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        applied.push(migration.id);
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`weiche.journal.migrate.${schema}`]);
    }
    return { applied };
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw toJournalError(error);
  } finally {
    // release(err) discards the connection, which also drops a session lock an error left behind
    client.release(broken);
  }
}
