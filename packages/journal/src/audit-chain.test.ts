import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from './audit-hash.js';
import { Journal } from './journal.js';
import { migrate } from './migrate.js';
import { testDatabase } from './test-schema.js';

const db = testDatabase();
let journal: Journal;

beforeAll(async () => {
  await migrate(db.pool, db.schema);
  journal = new Journal({ pool: db.pool, schema: db.schema });
});
afterAll(() => db.drop());

describe('audit hash chain', () => {
  it('stays linear under concurrent appends and verifies', async () => {
    expect(await journal.verifyAuditChain()).toEqual({ ok: true, count: 0 });
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        journal.audit({ actor: `operator-${i % 3}`, stage: 'operator', details: { i, nested: { b: 2, a: [1, 'x'] } } }),
      ),
    );
    const records = await journal.listAudit({ limit: 100 });
    expect(records).toHaveLength(30);
    expect(records[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < records.length; i++) expect(records[i]?.prevHash).toBe(records[i - 1]?.hash);
    expect(await journal.verifyAuditChain()).toEqual({ ok: true, count: 30 });
    expect((await journal.listAudit({ afterSeq: records[27]!.seq, limit: 10 })).map((r) => r.seq)).toEqual([
      records[28]!.seq,
      records[29]!.seq,
    ]);
  });

  it('reports the seq of a tampered record', async () => {
    await journal.audit({ submissionId: 'sub-x', actor: 'gateway', stage: 'note', details: { verdict: 'accepted' } });
    await journal.audit({ actor: 'gateway', stage: 'note' });
    const records = await journal.listAudit({ limit: 1000 });
    const victim = records[records.length - 2]!;
    const s = `"${db.schema}"`;
    // as superuser, switch the append-only trigger off for the tampering, then back on
    await db.pool.query(`ALTER TABLE ${s}.audit DISABLE TRIGGER audit_append_only`);
    try {
      await db.pool.query(`UPDATE ${s}.audit SET details = '{"verdict":"rejected"}' WHERE seq = $1`, [victim.seq]);
    } finally {
      await db.pool.query(`ALTER TABLE ${s}.audit ENABLE TRIGGER audit_append_only`);
    }
    expect(await journal.verifyAuditChain()).toEqual({ ok: false, count: records.length - 2, brokenAtSeq: victim.seq });
  });
});
