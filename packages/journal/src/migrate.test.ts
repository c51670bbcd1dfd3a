import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { createPool } from './create-pool.js';
import { Journal } from './journal.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { testDatabase } from './test-schema.js';
import { UpstreamStore } from './upstream-store.js';

const db = testDatabase();
afterAll(() => db.drop());

describe('migrate', () => {
  it('applies each migration exactly once when several processes migrate at once', async () => {
    // separate pools stand in for separate hub processes
    const pools = [db.pool, createPool(db.url, { max: 2 }), createPool(db.url, { max: 2 })];
    try {
      const results = await Promise.all(pools.map((pool) => migrate(pool, db.schema)));
      const applied = results.flatMap((r) => r.applied);
      // every migration in list order, once (the list grows; the test need not)
      const all = MIGRATIONS.map((m) => m.id);
      expect(all.slice(0, 5)).toEqual(['0001_initial', '0002_outputs_and_tags', '0003_one_event_per_name', '0004_xta_channel', '0005_channel_neutral_row']);
      expect(applied).toEqual(all);
      const recorded = await db.pool.query<{ id: string }>(`SELECT id FROM "${db.schema}".schema_migrations`);
      expect(recorded.rows.map((r) => r.id).sort()).toEqual([...all].sort());
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
    // monthly audit partitions aside (see below)
    expect(tables.rows.map((r) => r.table_name).filter((t) => !/^audit_\d{4}_\d{2}$/.test(t))).toEqual([
      'attachments',
      'audit',
      'audit_checkpoint_heads',
      'audit_checkpoints',
      'audit_heads',
      'callbacks',
      'delegation_set',
      'deliveries',
      'delivery_attempts',
      'dms_confirmations',
      'events',
      'schema_migrations',
      'submissions',
      'upstream_closes',
      'upstream_failures',
      'upstream_missing_attachments',
      'upstream_polls',
      'xta_msgbox',
    ]);
    const indexes = await db.pool.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = $1`, [
      db.schema,
    ]);
    expect(indexes.rows.map((r) => r.indexname)).toEqual(
      expect.arrayContaining(['submissions_state_updated_idx', 'submissions_tenant_idx', 'submissions_channel_ref_uq', 'submissions_unacknowledged_idx', 'events_case_submission_idx', 'xta_msgbox_offered_idx', 'submissions_prozess_idx', 'dms_confirmations_submission_idx', 'submissions_upstream_unacknowledged_idx', 'submissions_processing_tenant_idx']),
    );
  });

  it('makes the audit table append-only, on every monthly partition, and partitions ahead', async () => {
    const s = `"${db.schema}"`;
    await db.pool.query(
      `INSERT INTO ${s}.audit (at, chain, chain_seq, actor, stage, prev_hash, hash) VALUES (now(), 'hub:0', 1, 'test', 'probe', $1, $2)`,
      ['0'.repeat(64), 'f'.repeat(64)],
    );
    await expect(db.pool.query(`UPDATE ${s}.audit SET actor = 'mallory'`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`DELETE FROM ${s}.audit`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`TRUNCATE ${s}.audit`)).rejects.toThrow(/append-only/);
    const partitions = await db.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '${s}.audit'::regclass ORDER BY 1`,
    );
    // the month of the migration and the next two, in UTC (the migration's month, not the month of this line:
    // a run across the turn of a month would otherwise expect the next one)
    expect(partitions.rows).toHaveLength(3);
    const migrated = await db.pool.query<{ month: string }>(
      `SELECT to_char(applied_at AT TIME ZONE 'UTC', 'YYYY_MM') AS month FROM ${s}.schema_migrations WHERE id = '0006_audit_chains'`,
    );
    expect(partitions.rows[0]?.name).toBe(`audit_${migrated.rows[0]?.month ?? 'not migrated'}`);
    // the row lands in the partition of its month; every partition refuses changes and TRUNCATE on its own
    const landed = await db.pool.query<{ name: string; month: string }>(
      `SELECT c.relname AS name, to_char(a.at AT TIME ZONE 'UTC', 'YYYY_MM') AS month FROM ${s}.audit a JOIN pg_class c ON c.oid = a.tableoid`,
    );
    expect(landed.rows).toHaveLength(1);
    const row = landed.rows[0]!;
    expect(row.name).toBe(`audit_${row.month}`);
    await expect(db.pool.query(`UPDATE ${s}.${row.name} SET actor = 'mallory'`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`DELETE FROM ${s}.${row.name}`)).rejects.toThrow(/append-only/);
    for (const { name } of partitions.rows) {
      await expect(db.pool.query(`TRUNCATE ${s}.${name}`)).rejects.toThrow(/append-only/);
      const triggers = await db.pool.query<{ tgname: string }>(`SELECT tgname FROM pg_trigger WHERE tgrelid = '${s}.${name}'::regclass ORDER BY 1`);
      expect(triggers.rows.map((t) => t.tgname)).toEqual(['audit_append_only', 'audit_no_truncate']);
    }
    for (const table of ['audit_checkpoints', 'audit_checkpoint_heads']) {
      const triggers = await db.pool.query(`SELECT 1 FROM pg_trigger WHERE tgrelid = '${s}.${table}'::regclass AND tgname = '${table}_append_only'`);
      expect(triggers.rowCount).toBe(1);
    }
    const left = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.audit`);
    expect(left.rows[0]?.n).toBe(1);
  });

  it('0017 keeps the indexes an operator built beforehand with CREATE INDEX CONCURRENTLY, and builds again one whose concurrent build failed (INVALID)', async () => {
    const s = `"${db.schema}"`;
    const names = ['submissions_output_blob_key_idx', 'submissions_output_refs_gin', 'xta_msgbox_package_blob_key_idx'];
    // the journal as before the upgrade: 0017 not applied, its indexes absent
    await db.pool.query(`DROP INDEX ${names.map((n) => `${s}.${n}`).join(', ')}`);
    await db.pool.query(`DELETE FROM ${s}.schema_migrations WHERE id = '0017_blob_reference_indexes'`);
    // the upgrade note: one built by hand; one whose concurrent build failed half-way (a duplicate under a unique
    // build stands in for a cancelled one), which leaves an INVALID index under the name
    await db.pool.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS submissions_output_blob_key_idx ON ${s}.submissions (output_blob_key) WHERE output_blob_key IS NOT NULL`);
    await db.pool.query(`INSERT INTO ${s}.xta_msgbox (identity, xta_message_id, submission_id, idempotency_key, package_blob_key, package_size, meta)
                         VALUES ('i', 'm1', 's1', 'k1', 'dupe', 1, '{}'), ('i', 'm2', 's2', 'k2', 'dupe', 1, '{}')`);
    await expect(db.pool.query(`CREATE UNIQUE INDEX CONCURRENTLY xta_msgbox_package_blob_key_idx ON ${s}.xta_msgbox (package_blob_key)`)).rejects.toThrow(/could not create unique index/);
    const state = async (): Promise<Array<{ name: string; valid: boolean; unique: boolean }>> =>
      (
        await db.pool.query<{ name: string; valid: boolean; unique: boolean }>(
          `SELECT c.relname AS name, i.indisvalid AS valid, i.indisunique AS unique FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE c.relnamespace = $1::regnamespace AND c.relname = ANY($2) ORDER BY c.relname`,
          [s, names],
        )
      ).rows;
    const built = await db.pool.query<{ oid: number }>(`SELECT $1::regclass::oid AS oid`, [`${s}.submissions_output_blob_key_idx`]);
    expect(await state()).toEqual([
      { name: 'submissions_output_blob_key_idx', valid: true, unique: false },
      { name: 'xta_msgbox_package_blob_key_idx', valid: false, unique: true },
    ]);
    try {
      expect(await migrate(db.pool, db.schema)).toEqual({ applied: ['0017_blob_reference_indexes'] });
      expect(await state()).toEqual(names.map((name) => ({ name, valid: true, unique: false })));
      // the one built by hand is kept, not built again
      expect((await db.pool.query<{ oid: number }>(`SELECT $1::regclass::oid AS oid`, [`${s}.submissions_output_blob_key_idx`])).rows).toEqual(built.rows);
    } finally {
      await db.pool.query(`DELETE FROM ${s}.xta_msgbox WHERE identity = 'i'`);
    }
  });

  it('0019 keeps the partial index an operator built beforehand with CREATE INDEX CONCURRENTLY (the upgrade note)', async () => {
    const s = `"${db.schema}"`;
    const name = 'submissions_not_picked_up_data_idx';
    // the journal as before the upgrade, with the index built by hand while the running version kept writing
    await db.pool.query(`DROP INDEX ${s}.${name}`);
    await db.pool.query(`DELETE FROM ${s}.schema_migrations WHERE id = '0019_not_picked_up_data'`);
    await db.pool.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${s}.submissions (updated_at)
         WHERE state = 'REJECTED' AND received_deleted_at IS NULL AND problem->>'code' = 'WEICHE_ERR_NOT_PICKED_UP'`,
    );
    const oid = async (): Promise<unknown> => (await db.pool.query<{ oid: number }>(`SELECT $1::regclass::oid AS oid`, [`${s}.${name}`])).rows;
    const built = await oid();
    expect(await migrate(db.pool, db.schema)).toEqual({ applied: ['0019_not_picked_up_data'] });
    expect(await oid()).toEqual(built);
  });

  it('0021 carries the closes recorded as upstream-close audit records over, due at once', async () => {
    const s = `"${db.schema}"`;
    // the journal as before the upgrade: its closes only in the audit trail
    await db.pool.query(`DROP TABLE ${s}.upstream_closes; ALTER TABLE ${s}.upstream_polls DROP COLUMN polls, DROP COLUMN recloses`);
    await db.pool.query(`DELETE FROM ${s}.schema_migrations WHERE id = '0021_upstream_closes'`);
    await db.store(Journal).audit({ actor: 'xta-upstream:rz-box', stage: 'upstream-close', details: { upstream: 'rz-box', xtaMessageId: 'm-before' } });
    expect(await migrate(db.pool, db.schema)).toEqual({ applied: ['0021_upstream_closes'] });
    expect(await db.store(UpstreamStore).closes('rz-box', ['m-before', 'm-other'])).toEqual(new Map([['m-before', { recloses: 0, due: true }]]));
  });

  it('refuses schema names that are not plain identifiers', async () => {
    for (const bad of ['Public', 'a-b', 'x; DROP TABLE y', '1abc', '']) {
      await expect(migrate(db.pool, bad)).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID });
    }
  });
});
