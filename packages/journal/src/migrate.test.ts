import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { createPool } from './create-pool.js';
import { migrate } from './migrate.js';
import { testDatabase } from './test-schema.js';

const db = testDatabase();
afterAll(() => db.drop());

describe('migrate', () => {
  it('applies each migration exactly once when several processes migrate at once', async () => {
    // separate pools stand in for separate hub processes
    const pools = [db.pool, createPool(db.url, { max: 2 }), createPool(db.url, { max: 2 })];
    try {
      const results = await Promise.all(pools.map((pool) => migrate(pool, db.schema)));
      const applied = results.flatMap((r) => r.applied);
      expect(applied).toEqual(['0001_initial', '0002_outputs_and_tags', '0003_one_event_per_name', '0004_xta_channel', '0005_channel_neutral_row']);
      const recorded = await db.pool.query<{ id: string }>(`SELECT id FROM "${db.schema}".schema_migrations`);
      expect(recorded.rows.map((r) => r.id).sort()).toEqual(['0001_initial', '0002_outputs_and_tags', '0003_one_event_per_name', '0004_xta_channel', '0005_channel_neutral_row']);
      expect(await migrate(db.pool, db.schema)).toEqual({ applied: [] });
    } finally {
      await Promise.all(pools.slice(1).map((p) => p.end()));
    }
  });

  it('creates the tables and indexes the journal needs', async () => {
    const tables = await db.pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [db.schema],
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'attachments',
      'audit',
      'deliveries',
      'delivery_attempts',
      'events',
      'schema_migrations',
      'submissions',
      'xta_msgbox',
    ]);
    const indexes = await db.pool.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = $1`, [
      db.schema,
    ]);
    expect(indexes.rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining(['submissions_state_updated_idx', 'submissions_tenant_idx', 'submissions_channel_ref_uq', 'submissions_unacknowledged_idx', 'events_case_submission_idx', 'xta_msgbox_offered_idx']),
    );
  });

  it('makes the audit table append-only', async () => {
    const s = `"${db.schema}"`;
    await db.pool.query(
      `INSERT INTO ${s}.audit (at, actor, stage, prev_hash, hash) VALUES (now(), 'test', 'probe', $1, $2)`,
      ['0'.repeat(64), 'f'.repeat(64)],
    );
    await expect(db.pool.query(`UPDATE ${s}.audit SET actor = 'mallory'`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`DELETE FROM ${s}.audit`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`TRUNCATE ${s}.audit`)).rejects.toThrow(/append-only/);
    const left = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.audit`);
    expect(left.rows[0]?.n).toBe(1);
  });

  it('refuses schema names that are not plain identifiers', async () => {
    for (const bad of ['Public', 'a-b', 'x; DROP TABLE y', '1abc', '']) {
      await expect(migrate(db.pool, bad)).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID });
    }
  });
});
