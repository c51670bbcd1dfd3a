import type { Pool } from 'pg';
import { MIGRATIONS } from './migrations/index.js';
import { quoteSchema } from './schema-name.js';
import { withTransaction } from './with-transaction.js';

/**
 * Creates the schema if missing and applies pending migrations, recording them in
 * <schema>.schema_migrations, all in one transaction. A transaction-level advisory lock per schema
 * serializes concurrent callers (several hub processes starting at once): the second waits, then finds
 * nothing to do. No session state is used (no session lock, no SET), so this also works through a
 * pooler in transaction mode such as PgBouncer, where consecutive statements may run on different
 * server connections.
 */
export async function migrate(pool: Pool, schema: string): Promise<{ applied: string[] }> {
  const s = quoteSchema(schema);
  return withTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`weiche.journal.migrate.${schema}`]);
    // inside the lock: CREATE … IF NOT EXISTS is not safe against concurrent creators
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ id: string }>(`SELECT id FROM ${s}.schema_migrations`)).rows.map((r) => r.id));
    const applied: string[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.id)) continue;
      await client.query(migration.sql(s));
      await client.query(`INSERT INTO ${s}.schema_migrations (id) VALUES ($1)`, [migration.id]);
      applied.push(migration.id);
    }
    return { applied };
  });
}
