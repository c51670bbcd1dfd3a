import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PoolClient } from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EvidenceKey, EvidenceKeyring, generateEvidenceKeyPem } from '@weiche/crypto';
import { checkpointName, writeCheckpoint } from './audit-checkpoint.js';
import { auditHash, GENESIS_HASH, legacyAuditHash, macInput } from './audit-hash.js';
import { bindAuditKeys } from './audit-keys.js';
import { checkChainRecords } from './audit-verify.js';
import type { AuditRecord } from './audit-rows.js';
import { EvidenceChainReader } from './evidence-chain.js';
import { Journal } from './journal.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { testDatabase, testSubmission, type TestDatabase } from './test-schema.js';

/**
 * Tampering as the owner of the database would do it: triggers off for the session
 * (session_replication_role = replica), rows changed, deleted, inserted, hashes recomputed.
 * Each test has its own schema, evidence key and checkpoint folder.
 */
const open: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.drop()));
});

async function setup(): Promise<{ db: TestDatabase; journal: Journal; s: string }> {
  const db = testDatabase();
  open.push(db);
  await db.migrate();
  return { db, journal: db.store(Journal), s: `"${db.schema}"` };
}

/** A submission with four records: intake, submit, open, map. */
async function submission(journal: Journal, tenantId = 'stadt-a'): Promise<string> {
  const id = randomUUID();
  await journal.createSubmission({
    submissionId: id,
    tenantId,
    channel: 'fit-connect',
    channelRef: id,
    channelMeta: { caseId: randomUUID(), destinationId: 'd', senderClientId: 'c', announcedAttachments: [] },
    serviceIdentifier: 'urn:de:x:1',
    state: 'CREATED',
    actor: 'gateway',
  });
  await journal.transition(id, { from: ['CREATED'], to: 'RECEIVED', actor: 'gateway', stage: 'submit' });
  await journal.transition(id, { from: ['RECEIVED'], to: 'OPENED', actor: 'processor', stage: 'open', inputHash: 'a'.repeat(64), details: { attachments: 2 } });
  await journal.transition(id, { from: ['OPENED'], to: 'MAPPED', actor: 'processor', stage: 'map', outputHash: 'b'.repeat(64) });
  return id;
}

/** Triggers off for one transaction (SET LOCAL: nothing leaks into a pooled connection, also through a transaction-mode pooler). */
async function asOwner(db: TestDatabase, fn: (client: PoolClient, s: string) => Promise<unknown>): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await fn(client, `"${db.schema}"`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

async function chainOf(journal: Journal, submissionId: string): Promise<AuditRecord[]> {
  return journal.listAudit({ submissionId, limit: 100 });
}

/** A record the way someone without the evidence key would forge it: hash recomputed, MAC from a key of their own. */
function forge(db: TestDatabase, r: Omit<AuditRecord, 'hash' | 'mac' | 'kid'>): AuditRecord {
  const hash = auditHash(r.prevHash, r);
  const mallory = EvidenceKey.fromPrivatePem(generateEvidenceKeyPem());
  return { ...r, hash, kid: db.keys.currentKid, mac: mallory.mac(macInput(hash)) };
}

async function insertRecord(client: PoolClient, s: string, r: AuditRecord): Promise<void> {
  await client.query(
    `INSERT INTO ${s}.audit (at, chain, chain_seq, tenant_id, submission_id, actor, stage, from_state, to_state, input_hash, output_hash, details, prev_hash, hash, kid, mac)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [r.at, r.chain, r.chainSeq, r.tenantId, r.submissionId, r.actor, r.stage, r.fromState, r.toState, r.inputHash, r.outputHash, JSON.stringify(r.details), r.prevHash, r.hash, r.kid, r.mac],
  );
}

describe('audit chains', () => {
  it('verifies untouched chains and counts what is anchored and what is newer', async () => {
    const { db, journal } = await setup();
    expect(await db.verify()).toMatchObject({ ok: true, checked: 0, total: 0, checkpoints: { verified: 0 } });
    const ids = [await submission(journal), await submission(journal, 'stadt-b')];
    await journal.audit({ actor: 'olga', stage: 'operator', details: { action: 'pause-adapter', adapterInstance: 'dms' } });
    expect(await db.checkpoint()).toMatchObject({ no: 1, chains: 3, records: 9, kid: db.keys.currentKid });
    expect(await db.checkpoint()).toBeUndefined(); // nothing changed since
    await journal.transition(ids[0]!, { from: ['MAPPED'], to: 'ROUTED', actor: 'processor', stage: 'route' });

    const verdict = await db.verify();
    expect(verdict).toMatchObject({ ok: true, checked: 10, total: 10, chains: 3, unanchored: 1, problems: 0, pruned: 0 });
    expect(verdict.firstBad).toBeUndefined();
    expect(verdict.gaps).toBeUndefined();
    expect(verdict.checkpoints).toMatchObject({ verified: 1, latest: { no: 1, kid: db.keys.currentKid } });
    expect(verdict.message).toMatch(/^audit intact: 10 of 10 records in 3 chains checked/);

    const chain = await chainOf(journal, ids[0]!);
    expect(chain.map((r) => [r.chain, r.chainSeq])).toEqual([1, 2, 3, 4, 5].map((n) => [`submission:${ids[0]}`, n]));
    expect(chain.every((r) => r.tenantId === 'stadt-a' && r.kid === db.keys.currentKid && /^[0-9a-f]{64}$/.test(r.mac ?? ''))).toBe(true);
  });

  it('names a changed record', async () => {
    const { db, journal } = await setup();
    const id = await submission(journal);
    await submission(journal);
    const victim = (await chainOf(journal, id))[2]!;
    await asOwner(db, (c, s) => c.query(`UPDATE ${s}.audit SET details = '{"attachments": 0}' WHERE seq = $1`, [victim.seq]));
    const verdict = await db.verify();
    expect(verdict).toMatchObject({ ok: false, checked: 8, total: 8, problems: 1, firstBad: { chain: `submission:${id}`, seq: 3 } });
    expect(verdict.firstBad?.reason).toMatch(/content changed/);
    expect(verdict.message).toMatch(/NOT intact.*submission:.*#3: content changed/);
  });

  it('names a deleted record as a gap', async () => {
    const { db, journal } = await setup();
    const id = await submission(journal);
    const victim = (await chainOf(journal, id))[1]!;
    await asOwner(db, (c, s) => c.query(`DELETE FROM ${s}.audit WHERE seq = $1`, [victim.seq]));
    const verdict = await db.verify();
    expect(verdict).toMatchObject({ ok: false, checked: 3, total: 4, problems: 0 });
    expect(verdict.gaps).toEqual([{ chain: `submission:${id}`, fromSeq: 2, toSeq: 2, reason: 'records missing (deleted)' }]);
    expect(verdict.message).toContain(`1 gap(s), 1 records missing, first: submission:${id} #2: records missing (deleted)`);
  });

  it('names an inserted record, even with a correctly computed hash', async () => {
    const { db, journal } = await setup();
    const id = await submission(journal);
    const [, second, third] = await chainOf(journal, id);
    // slipped in after record 2, claiming position 3 and linking to 2
    const inserted = forge(db, { ...third!, at: new Date(second!.at.getTime() + 1), stage: 'open', details: { attachments: 5 } });
    await asOwner(db, (c, s) => insertRecord(c, s, inserted));
    const verdict = await db.verify();
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBad).toMatchObject({ chain: `submission:${id}`, seq: 3 });
    expect(verdict.problems).toBe(2); // two records at position 3, and the forged MAC
  });

  it('names a forged record appended with a recomputed hash', async () => {
    const { db, journal } = await setup();
    const id = await submission(journal);
    const head = (await chainOf(journal, id)).at(-1)!;
    const forged = forge(db, { ...head, chainSeq: 5, prevHash: head.hash, at: new Date(), fromState: 'MAPPED', toState: 'DELIVERED', stage: 'deliver', details: {} });
    await asOwner(db, (c, s) => insertRecord(c, s, forged));
    const verdict = await db.verify();
    expect(verdict).toMatchObject({ ok: false, problems: 1, firstBad: { chain: `submission:${id}`, seq: 5 } });
    expect(verdict.firstBad?.reason).toMatch(/MAC invalid/);

    // a whole new chain made up from nothing fails the same way
    const { db: db2, journal: journal2 } = await setup();
    await submission(journal2);
    const fake = forge(db2, { ...head, chain: 'submission:made-up', submissionId: 'made-up', chainSeq: 1, prevHash: '0'.repeat(64) });
    await asOwner(db2, (c, s) => insertRecord(c, s, fake));
    expect((await db2.verify()).firstBad).toMatchObject({ chain: 'submission:made-up', seq: 1 });
  });

  it('names the newest records deleted after a checkpoint sealed them, and whole chains deleted', async () => {
    const { db, journal } = await setup();
    const a = await submission(journal);
    const b = await submission(journal);
    await db.checkpoint();
    const newest = (await chainOf(journal, a)).slice(2).map((r) => r.seq);
    await asOwner(db, async (c, s) => {
      await c.query(`DELETE FROM ${s}.audit WHERE seq = ANY($1::bigint[])`, [newest]);
      await c.query(`DELETE FROM ${s}.audit WHERE submission_id = $1`, [b]);
      await c.query(`DELETE FROM ${s}.audit_heads WHERE chain = $1`, [`submission:${b}`]);
    });
    const verdict = await db.verify();
    expect(verdict).toMatchObject({ ok: false, checked: 2, total: 8, problems: 0 });
    expect(verdict.gaps).toEqual(
      expect.arrayContaining([
        { chain: `submission:${a}`, fromSeq: 3, toSeq: 4, reason: 'newest records deleted (sealed by checkpoint 1)' },
        { chain: `submission:${b}`, fromSeq: 1, toSeq: 4, reason: 'all records deleted (sealed by checkpoint 1)' },
      ]),
    );
    expect(verdict.message).toMatch(/2 gap\(s\), 6 records missing/);
  });

  it('names a changed record even when every later record was re-chained', async () => {
    const { db, journal } = await setup();
    const id = await submission(journal);
    await db.checkpoint();
    const records = await chainOf(journal, id);
    await asOwner(db, async (c, s) => {
      let prevHash = records[0]!.hash;
      for (const r of records.slice(1)) {
        const changed = forge(db, { ...r, prevHash, actor: r.chainSeq === 2 ? 'mallory' : r.actor });
        await c.query(`UPDATE ${s}.audit SET actor = $2, prev_hash = $3, hash = $4, mac = $5 WHERE seq = $1`, [r.seq, changed.actor, prevHash, changed.hash, changed.mac]);
        prevHash = changed.hash;
      }
    });
    const verdict = await db.verify();
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBad).toMatchObject({ chain: `submission:${id}`, seq: 2 });
    expect(verdict.firstBad?.reason).toMatch(/MAC invalid/);
    // the head no longer matches what checkpoint 1 sealed either
    expect(verdict.problems).toBe(4);
  });

  it('detects a checkpoint removed from the log, and an altered database copy of one', async () => {
    const { db, journal } = await setup();
    await submission(journal);
    await db.checkpoint();
    const id = await submission(journal);
    await db.checkpoint();
    await asOwner(db, (c, s) => c.query(`DELETE FROM ${s}.audit_checkpoint_heads WHERE checkpoint_no = 2`));
    let verdict = await db.verify();
    expect(verdict).toMatchObject({ ok: false, firstBad: { chain: 'checkpoints', seq: 2 }, checkpoints: { verified: 2 } });
    expect(verdict.firstBad?.reason).toMatch(/database copy of its sealed heads was altered/);
    expect(id).toBeTruthy();

    await rm(join(db.log.dir, checkpointName(1)), { force: true });
    verdict = await db.verify();
    expect(verdict).toMatchObject({ ok: false, firstBad: { chain: 'checkpoints', seq: 1 }, checkpoints: { verified: 0 } });
    expect(verdict.firstBad?.reason).toMatch(/missing from the checkpoint log/);
  });

  it('names newest records deleted together with the index row of the checkpoint that sealed them, and anchors evidence in the log', async () => {
    const { db, journal } = await setup();
    const id = await submission(journal);
    await db.checkpoint();
    await journal.audit({ submissionId: id, actor: 'operator:olga', stage: 'redeliver' });
    await journal.audit({ submissionId: id, actor: 'operator:olga', stage: 'redeliver' });
    await db.checkpoint();
    const chain = `submission:${id}`;
    // checkpoint 2 sealed #6; its index row for the chain and records #5, #6 go, so the index names checkpoint 1 (#4)
    await asOwner(db, async (c, s) => {
      await c.query(`DELETE FROM ${s}.audit_checkpoint_heads WHERE checkpoint_no = 2 AND chain = $1`, [chain]);
      await c.query(`DELETE FROM ${s}.audit WHERE chain = $1 AND chain_seq > 4`, [chain]);
    });
    const verdict = await db.verify();
    expect(verdict.gaps).toContainEqual({ chain, fromSeq: 5, toSeq: 6, reason: 'newest records deleted (sealed by checkpoint 2)' });

    const { evidence, indexedCheckpoint } = await db.store(EvidenceChainReader).chainOf(id, db.log);
    expect(indexedCheckpoint).toBe(1);
    expect(evidence.anchor?.checkpoint.no).toBe(2);
    expect(evidence.anchor?.head.slice(0, 2)).toEqual([chain, 6]);
    expect(checkChainRecords(chain, evidence.records, db.keys, [{ no: 2, head: evidence.anchor!.head }])).toEqual({ chain, seq: 5, reason: 'newest records deleted (sealed by checkpoint 2)' });
  });

  it('keeps verifying after a key rotation; without the old key its records are named', async () => {
    const { db, journal } = await setup();
    const before = await submission(journal);
    await db.checkpoint();
    const rotated = new EvidenceKeyring(EvidenceKey.fromPrivatePem(generateEvidenceKeyPem()), [db.keys.current]);
    bindAuditKeys(db.schema, rotated);
    const after = await submission(journal);
    expect(await writeCheckpoint({ pool: db.pool, schema: db.schema, keys: rotated, log: db.log })).toMatchObject({ no: 2, kid: rotated.currentKid });
    expect((await chainOf(journal, after))[0]?.kid).toBe(rotated.currentKid);
    expect((await chainOf(journal, before))[0]?.kid).toBe(db.keys.currentKid);
    expect(await db.verify({ keys: rotated })).toMatchObject({ ok: true, checked: 8, checkpoints: { verified: 2 } });

    const oldKeyLost = new EvidenceKeyring(rotated.current);
    const verdict = await db.verify({ keys: oldKeyLost });
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBad).toMatchObject({ chain: 'checkpoints', seq: 1 });
    expect(verdict.firstBad?.reason).toMatch(/unknown evidence key/);
    expect(verdict.problems).toBe(5); // checkpoint 1 and the four records MACed with the old key
  });

  it('writes one checkpoint at a time across writers, and adopts one whose writer died before commit', async () => {
    const { db, journal } = await setup();
    await Promise.all(Array.from({ length: 5 }, () => submission(journal)));
    const results = await Promise.all(Array.from({ length: 4 }, () => db.checkpoint()));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);

    await submission(journal);
    // the file is written, then the writer's transaction fails: the anchor exists without its index
    const dying = {
      put: async (name: string, content: string) => (await db.log.put(name, content)) && Promise.reject(new Error('crash after the anchor was written')),
      get: (name: string) => db.log.get(name),
      list: () => db.log.list(),
      folder: (name: string) => db.log.folder(name),
    };
    await expect(writeCheckpoint({ pool: db.pool, schema: db.schema, keys: db.keys, log: dying })).rejects.toThrow();
    expect(await db.log.list()).toEqual([checkpointName(1), checkpointName(2), 'chains']);
    await submission(journal);
    expect(await db.checkpoint()).toMatchObject({ no: 3, chains: 1, records: 4 });
    expect(await db.verify()).toMatchObject({ ok: true, checked: 28, total: 28, unanchored: 0, checkpoints: { verified: 3 } });
  });

  it('keeps 50 submissions transitioning in parallel in intact chains, with checkpoints written meanwhile', async () => {
    const { db, journal } = await setup();
    let stop = false;
    const checkpointer = (async () => {
      while (!stop) await db.checkpoint();
    })();
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => submission(journal, `stadt-${i % 3}`)));
    stop = true;
    await checkpointer;
    await db.checkpoint();
    const verdict = await db.verify({ batchSize: 7 });
    expect(verdict).toMatchObject({ ok: true, checked: 200, total: 200, chains: 50, unanchored: 0, problems: 0 });
    for (const id of ids.slice(0, 5)) expect((await chainOf(journal, id)).map((r) => r.chainSeq)).toEqual([1, 2, 3, 4]);
  });

  it('verifies one tenant, or what changed since a date, and reports progress', async () => {
    const { db, journal } = await setup();
    const a = await submission(journal, 'stadt-a');
    const b = await submission(journal, 'stadt-b');
    await journal.audit({ actor: 'olga', stage: 'operator' });
    const victim = (await chainOf(journal, b))[0]!;
    await asOwner(db, (c, s) => c.query(`UPDATE ${s}.audit SET actor = 'mallory' WHERE seq = $1`, [victim.seq]));

    const progress: number[] = [];
    const tenantA = await db.verify({ tenant: 'stadt-a', batchSize: 2, onProgress: (p) => progress.push(p.checked) });
    expect(tenantA).toMatchObject({ ok: true, checked: 4, chains: 1 });
    expect(progress).toEqual([2, 4]);
    expect(await db.verify({ tenant: 'stadt-b' })).toMatchObject({ ok: false, checked: 4, firstBad: { chain: `submission:${b}`, seq: 1 } });

    const later = new Date(Date.now() + 1000);
    expect(await db.verify({ since: later })).toMatchObject({ ok: true, checked: 0 });
    const marker = new Date();
    await journal.transition(a, { from: ['MAPPED'], to: 'ROUTED', actor: 'processor', stage: 'route' });
    // chains with a record since the date are checked whole, from their first record
    expect(await db.verify({ since: marker })).toMatchObject({ ok: true, checked: 5, chains: 1 });
  });

  it('names the newest records of a chain deleted after a checkpoint also when a since-check no longer finds one of its records since then', async () => {
    const { db, journal } = await setup();
    const a = await submission(journal);
    // the date lies after every record of the four (pg keeps microseconds, a Date milliseconds: one more is after)
    const since = new Date((await chainOf(journal, a)).at(-1)!.at.getTime() + 1);
    await vi.waitUntil(() => Date.now() > since.getTime(), { timeout: 5000, interval: 1 });
    await journal.transition(a, { from: ['MAPPED'], to: 'ROUTED', actor: 'processor', stage: 'route' });
    await db.checkpoint();
    const newest = (await chainOf(journal, a)).at(-1)!;
    expect(newest.at.getTime()).toBeGreaterThanOrEqual(since.getTime());
    await asOwner(db, (c, s) => c.query(`DELETE FROM ${s}.audit WHERE seq = $1`, [newest.seq]));
    const verdict = await db.verify({ since });
    expect(verdict).toMatchObject({ ok: false, checked: 4, total: 5, chains: 1 });
    expect(verdict.gaps).toEqual([{ chain: `submission:${a}`, fromSeq: 5, toSeq: 5, reason: 'newest records deleted (sealed by checkpoint 1)' }]);
    // the same for a tenant's check since then
    expect(await db.verify({ since, tenant: 'stadt-a' })).toMatchObject({ ok: false, checked: 4, total: 5 });
    expect(await db.verify({ since, tenant: 'stadt-b' })).toMatchObject({ ok: true, checked: 0, chains: 0 });
  });

  it("names a submission's records in its tenant's check also when their tenant was changed or removed", async () => {
    const { db, journal } = await setup();
    const a = await submission(journal, 'stadt-a');
    const b = await submission(journal, 'stadt-a');
    await db.checkpoint();
    // a scoped auditor of stadt-a only runs the tenant's check: the chains must not leave it with their tenant column
    await asOwner(db, async (c, s) => {
      await c.query(`UPDATE ${s}.audit SET tenant_id = NULL WHERE submission_id = $1`, [a]);
      await c.query(`UPDATE ${s}.audit SET tenant_id = 'stadt-b' WHERE submission_id = $1`, [b]);
    });
    const verdict = await db.verify({ tenant: 'stadt-a' });
    expect(verdict).toMatchObject({ ok: false, checked: 8, chains: 2, problems: 8 });
    expect(verdict.firstBad?.reason).toBe('content changed: the hash does not match the record');
    const since = await db.verify({ tenant: 'stadt-a', since: new Date(0) });
    expect(since).toMatchObject({ ok: false, checked: 8, chains: 2 });
  });

  it('tells records pruned by retention from records deleted', async () => {
    const { db, journal } = await setup();
    const old = await submission(journal);
    await db.checkpoint();
    // what dropping the oldest partition does, announced by the retention run in a signed checkpoint
    await asOwner(db, (c, s) => c.query(`DELETE FROM ${s}.audit WHERE submission_id = $1`, [old]));
    const horizon = new Date();
    await submission(journal);
    expect(await db.checkpoint({ prunedBefore: horizon })).toMatchObject({ no: 2 });
    const verdict = await db.verify();
    expect(verdict).toMatchObject({ ok: true, checked: 4, total: 8, pruned: 4 });
    expect(verdict.message).toMatch(/4 records pruned by retention before/);
  });

  it('keeps the records of the old single chain verifying as the legacy chain, sealed by the first checkpoint', async () => {
    const db = testDatabase();
    open.push(db);
    const s = `"${db.schema}"`;
    // a journal as it was before 0006: the migrations before it and three records of the old global chain
    await db.pool.query(`CREATE SCHEMA ${s}; CREATE TABLE ${s}.schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const m of MIGRATIONS.filter((m) => m.id < '0006')) {
      await db.pool.query(m.sql(s));
      await db.pool.query(`INSERT INTO ${s}.schema_migrations (id) VALUES ($1)`, [m.id]);
    }
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq++) {
      const r = {
        seq, chain: 'legacy', chainSeq: seq, tenantId: null, at: new Date(Date.UTC(2024, 10, seq, 8, 0, 0, 123)), submissionId: seq === 3 ? null : 'old-1',
        actor: 'processor', stage: `step-${seq}`, fromState: null, toState: null, inputHash: null, outputHash: null, details: { n: seq, z: { b: 1, a: 2 } },
      };
      const hash = legacyAuditHash(prevHash, r);
      await db.pool.query(
        `INSERT INTO ${s}.audit (seq, at, submission_id, actor, stage, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [seq, r.at, r.submissionId, r.actor, r.stage, JSON.stringify(r.details), prevHash, hash],
      );
      prevHash = hash;
    }
    expect((await migrate(db.pool, db.schema)).applied).toEqual(MIGRATIONS.filter((m) => m.id >= '0006').map((m) => m.id));
    const journal = new Journal({ pool: db.pool, schema: db.schema });
    expect(await db.verify()).toMatchObject({ ok: true, checked: 3, chains: 1, unanchored: 3 });
    await submission(journal);
    expect(await db.checkpoint()).toMatchObject({ no: 1, chains: 2, records: 7 });
    const legacy = (await journal.listAudit({ limit: 10 })).filter((r) => r.chain === 'legacy');
    expect(legacy.map((r) => [r.seq, r.chainSeq, r.kid])).toEqual([[1, 1, null], [2, 2, null], [3, 3, null]]);
    expect((await journal.listAudit({ limit: 10 }))[3]?.seq).toBe(4); // the global sequence goes on
    expect(await db.verify()).toMatchObject({ ok: true, checked: 7, unanchored: 0 });

    // the legacy chain has no MAC: a change re-chained with plain sha256 is caught by the checkpoint, and so is an append
    await asOwner(db, async (c) => {
      let prev = legacy[0]!.hash;
      for (const r of legacy.slice(1)) {
        const hash = legacyAuditHash(prev, { ...r, actor: 'mallory' });
        await c.query(`UPDATE ${s}.audit SET actor = 'mallory', prev_hash = $2, hash = $3 WHERE seq = $1`, [r.seq, prev, hash]);
        prev = hash;
      }
      const appended = { ...legacy[2]!, seq: 99, chainSeq: 4, prevHash: prev, at: new Date() };
      await c.query(`INSERT INTO ${s}.audit (seq, at, chain, chain_seq, actor, stage, details, prev_hash, hash) VALUES (99, $1, 'legacy', 4, $2, $3, $4, $5, $6)`, [
        appended.at, appended.actor, appended.stage, JSON.stringify(appended.details), prev, legacyAuditHash(prev, appended),
      ]);
    });
    const verdict = await db.verify();
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBad).toMatchObject({ chain: 'legacy', seq: 3 });
    expect(verdict.firstBad?.reason).toMatch(/differs from what checkpoint 1 sealed/);
    expect(verdict.problems).toBe(2); // the sealed head, and the record appended after it
  });
});

/** As the owner: deletes the chain's records after `keep` and points its head (also the sealed mark) at record `keep`. */
async function setBack(db: TestDatabase, chain: string, keep: number): Promise<void> {
  await asOwner(db, async (c, s) => {
    await c.query(`DELETE FROM ${s}.audit WHERE chain = $1 AND chain_seq > $2`, [chain, keep]);
    await c.query(
      `UPDATE ${s}.audit_heads h SET chain_seq = a.chain_seq, hash = a.hash, at = a.at, sealed_seq = a.chain_seq - 1
         FROM ${s}.audit a WHERE h.chain = $1 AND a.chain = h.chain AND a.chain_seq = $2`,
      [chain, keep],
    );
  });
}

/** A submission whose chain has five records (RECEIVED, then four operator actions up to #5), sealed by checkpoint 1. */
async function sealedSubmission(db: TestDatabase, journal: Journal): Promise<{ id: string; chain: string }> {
  const id = await testSubmission(journal, {});
  for (let i = 0; i < 4; i += 1) await journal.audit({ submissionId: id, actor: 'operator:olga', stage: 'redeliver', details: { n: i } });
  expect(await db.checkpoint()).toMatchObject({ no: 1 });
  return { id, chain: `submission:${id}` };
}

async function evidenceProblem(db: TestDatabase, id: string): Promise<string | undefined> {
  const { evidence, seals } = await db.store(EvidenceChainReader).chainOf(id, db.log);
  const problem = checkChainRecords(evidence.chain, evidence.records, db.keys, seals);
  return problem && `#${problem.seq}: ${problem.reason}`;
}

/**
 * The database owner sets a chain's head back (audit_heads) after a checkpoint sealed it, deleting the newest sealed
 * records: the next checkpoint seals the shorter chain, and the hub itself may append and MAC new records after it.
 * The newest checkpoint then agrees with the records, so neither the evidence bundle nor `weiche audit verify` may
 * judge by the newest seal alone: every seal of the chain must still match, and the chain must reach the highest.
 */
describe('a chain head set back in the database after a checkpoint sealed it', () => {
  it('is named when the next checkpoint sealed the shorter chain: verify and the evidence bundle do not take the newest seal as the whole truth', async () => {
    const { db, journal } = await setup();
    const { id, chain } = await sealedSubmission(db, journal);
    const other = await testSubmission(journal, {});
    await setBack(db, chain, 3);
    // checkpoint 2 seals #3 of the chain, which matches the records left
    expect(await db.checkpoint()).toMatchObject({ no: 2 });

    const verdict = await db.verify();
    expect(verdict.ok).toBe(false);
    expect(verdict.gaps).toEqual([{ chain, fromSeq: 4, toSeq: 5, reason: 'newest records deleted (sealed by checkpoint 1)' }]);
    expect(verdict.firstBad).toEqual({
      chain,
      seq: 4,
      reason: 'checkpoint 2 sealed the chain only up to #3 after checkpoint 1 had sealed it up to #5: its head was set back in the database (records deleted or re-written)',
    });
    expect(verdict.message).toContain(`first bad record: ${chain} #4: checkpoint 2 sealed the chain only up to #3`);

    expect(await evidenceProblem(db, id)).toBe(
      '#4: checkpoint 2 sealed the chain only up to #3 after checkpoint 1 had sealed it up to #5: its head was set back in the database (records deleted or re-written)',
    );
    // an untouched chain of the same checkpoints still gives evidence
    expect(await evidenceProblem(db, other)).toBeUndefined();
  });

  it('is named when the hub went on writing after the set-back head: the sealed record was replaced by one with a valid MAC', async () => {
    const { db, journal } = await setup();
    const { id, chain } = await sealedSubmission(db, journal);
    await setBack(db, chain, 3);
    // the hub appends #4', #5', #6' after #3 with its own MACs; checkpoint 2 seals #6'
    for (let i = 0; i < 3; i += 1) await journal.audit({ submissionId: id, actor: 'operator:olga', stage: 'redeliver', details: { forked: randomUUID() } });
    expect(await db.checkpoint()).toMatchObject({ no: 2 });

    const verdict = await db.verify();
    expect(verdict).toMatchObject({ ok: false, problems: 1, firstBad: { chain, seq: 5, reason: 'differs from what checkpoint 1 sealed' } });
    expect(await evidenceProblem(db, id)).toBe('#5: differs from what checkpoint 1 sealed');
  });

  it('stays quiet for a chain sealed again and again as it grows', async () => {
    const { db, journal } = await setup();
    const { id } = await sealedSubmission(db, journal);
    await journal.audit({ submissionId: id, actor: 'operator:olga', stage: 'redeliver' });
    await db.checkpoint();
    await journal.audit({ submissionId: id, actor: 'operator:olga', stage: 'redeliver' });
    await db.checkpoint();
    expect(await db.verify()).toMatchObject({ ok: true, problems: 0, checked: 7 });
    const { seals } = await db.store(EvidenceChainReader).chainOf(id, db.log);
    expect(seals.map((s) => [s.no, s.head[1]])).toEqual([
      [3, 7],
      [2, 6],
      [1, 5],
    ]);
    expect(await evidenceProblem(db, id)).toBeUndefined();
  });
});

describe('a whole chain deleted together with its rows in the checkpoint index', () => {
  it('is named as a gap from the checkpoint log, not only as an altered checkpoint', async () => {
    const { db, journal } = await setup();
    const id = await submission(journal);
    const kept = await submission(journal);
    await db.checkpoint();
    const chain = `submission:${id}`;
    await asOwner(db, async (c, s) => {
      await c.query(`DELETE FROM ${s}.audit WHERE chain = $1`, [chain]);
      await c.query(`DELETE FROM ${s}.audit_checkpoint_heads WHERE chain = $1`, [chain]);
      await c.query(`DELETE FROM ${s}.audit_heads WHERE chain = $1`, [chain]);
    });
    const verdict = await db.verify();
    expect(verdict).toMatchObject({ ok: false, checked: 4, total: 8, firstBad: { chain: 'checkpoints', seq: 1, reason: 'checkpoint 1: the database copy of its sealed heads was altered' } });
    expect(verdict.gaps).toEqual([{ chain, fromSeq: 1, toSeq: 4, reason: 'all records deleted (sealed by checkpoint 1)' }]);
    expect(verdict.message).toContain(`1 gap(s), 4 records missing, first: ${chain} #1–#4: all records deleted (sealed by checkpoint 1)`);
    expect(verdict.message).toContain('first bad checkpoint: checkpoint 1: the database copy of its sealed heads was altered;');
    expect(kept).toBeTruthy();
  });
});
