import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { checkChainRecords } from './audit-verify.js';
import { EvidenceChainReader } from './evidence-chain.js';
import { Journal } from './journal.js';
import { testDatabase, testSubmission, type TestDatabase } from './test-schema.js';

/**
 * The database owner sets a chain's head back (audit_heads) after a checkpoint sealed it, deleting the newest sealed
 * records: the next checkpoint seals the shorter chain, and the hub itself may append and MAC new records after it.
 * The newest checkpoint then agrees with the records, so neither the evidence bundle nor `weiche audit verify` may
 * judge by the newest seal alone: every seal of the chain must still match, and the chain must reach the highest.
 */
const open: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.drop()));
});

async function setup(): Promise<{ db: TestDatabase; journal: Journal }> {
  const db = testDatabase();
  open.push(db);
  await db.migrate();
  return { db, journal: db.store(Journal) };
}

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
