import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from './create-pool.js';

/** For tests: a pool on DATABASE_URL (or the local default) and a fresh schema name `t_<random>`; drop() removes both. */
export function testDatabase(): { pool: Pool; schema: string; url: string; drop: () => Promise<void> } {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const pool = createPool(url, { max: 12 });
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    pool,
    schema,
    url,
    drop: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}
