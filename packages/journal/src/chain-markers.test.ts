import { afterEach, describe, expect, it } from 'vitest';
import { checkpointName, jwsHash, writeCheckpoint, type CheckpointFile, type CheckpointLog } from './audit-checkpoint.js';
import { chainMarkers, markedFrom, writeChainMarkers } from './chain-markers.js';
import { EvidenceChainReader } from './evidence-chain.js';
import { Journal } from './journal.js';
import { testDatabase, testSubmission, type TestDatabase } from './test-schema.js';

/**
 * The per-chain markers of the checkpoint log (docs/adr/0005-audit-chain.md, "Chain markers"): the evidence lookup goes through
 * them instead of reading every later checkpoint, passes over markers their checkpoint does not back, and falls
 * back to reading the checkpoints written before markers existed; `verifyAudit` names missing and unbacked markers.
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

/** The log as a writer of a version before markers writes it: its markers go nowhere. */
function withoutMarkers(log: CheckpointLog): CheckpointLog {
  const nowhere: CheckpointLog = { put: () => Promise.resolve(true), get: () => Promise.resolve(undefined), list: () => Promise.resolve([]), folder: () => nowhere };
  return { put: (n, c) => log.put(n, c), get: (n) => log.get(n), list: () => log.list(), folder: () => nowhere };
}

/** The log, noting which files of its own folder are read and how often it is listed (the markers' folders are not counted). */
function counting(log: CheckpointLog): { log: CheckpointLog; read: string[]; listed: () => number } {
  const read: string[] = [];
  let listed = 0;
  return {
    log: {
      put: (n, c) => log.put(n, c),
      get: (n) => (read.push(n), log.get(n)),
      list: () => ((listed += 1), log.list()),
      folder: (n) => log.folder(n),
    },
    read,
    listed: () => listed,
  };
}

/** The checkpoint that anchors the submission's evidence and the position of the head it sealed. */
async function anchorOf(db: TestDatabase, submissionId: string, log: CheckpointLog = db.log): Promise<{ no: number; seq: number } | undefined> {
  const { anchor } = (await db.store(EvidenceChainReader).chainOf(submissionId, log)).evidence;
  return anchor ? { no: anchor.checkpoint.no, seq: anchor.head[1] } : undefined;
}

async function checkpointHash(db: TestDatabase, no: number): Promise<string> {
  return jwsHash((JSON.parse((await db.log.get(checkpointName(no)))!) as CheckpointFile).jws);
}

describe('chain markers', () => {
  it('anchors evidence through the chain markers, reading only the checkpoint that sealed the chain', async () => {
    const { db, journal } = await setup();
    const id = await testSubmission(journal, {});
    const busy = await testSubmission(journal, {});
    await db.checkpoint();
    for (let i = 0; i < 20; i += 1) {
      await journal.audit({ submissionId: busy, actor: 'operator:olga', stage: 'redeliver' });
      await db.checkpoint();
    }
    expect(await chainMarkers(db.log, `submission:${id}`)).toEqual([1]);
    expect(await chainMarkers(db.log, `submission:${busy}`)).toHaveLength(21);
    expect(await markedFrom(db.log)).toBe(1);

    const spy = counting(db.log);
    expect(await anchorOf(db, id, spy.log)).toEqual({ no: 1, seq: 1 });
    // not the 20 later checkpoints, and no listing of the whole log
    expect(spy.read.filter((n) => n.endsWith('.json'))).toEqual([checkpointName(1)]);
    expect(spy.listed()).toBe(0);
    // the busy chain's 21 seals come in batches of 5
    expect(await db.verify({ batchSize: 5 })).toMatchObject({ ok: true, problems: 0 });
  });

  it('passes over a marker whose checkpoint does not seal the chain; verify names it, or counts it stale when its checkpoint was never written', async () => {
    const { db, journal } = await setup();
    const id = await testSubmission(journal, {});
    const other = await testSubmission(journal, {});
    const chain = `submission:${id}`;
    await db.checkpoint();
    await journal.audit({ submissionId: other, actor: 'operator:olga', stage: 'redeliver' });
    await db.checkpoint();
    // a writer that died after its markers, before its checkpoint 3 (whose JWS it never wrote), and a forged marker naming checkpoint 2
    await writeChainMarkers(db.log, 3, 'f'.repeat(64), [chain]);
    expect((await anchorOf(db, id))?.no).toBe(1);
    // checkpoint 3 is not written yet: its marker may belong to a writer at work, and is not counted
    expect(await db.verify()).toMatchObject({ ok: true, problems: 0 });
    expect((await db.verify()).staleMarkers).toBeUndefined();
    await journal.audit({ submissionId: other, actor: 'operator:olga', stage: 'redeliver' });
    expect(await db.checkpoint()).toMatchObject({ no: 3, chains: 1 });
    expect((await anchorOf(db, id))?.no).toBe(1);
    expect(await db.verify()).toMatchObject({ ok: true, staleMarkers: 1 });

    await writeChainMarkers(db.log, 2, await checkpointHash(db, 2), [chain]);
    expect((await anchorOf(db, id))?.no).toBe(1);
    const verdict = await db.verify();
    expect(verdict).toMatchObject({ ok: false, problems: 1, staleMarkers: 1 });
    expect(verdict.firstBad).toEqual({ chain: 'checkpoints', seq: 2, reason: `checkpoint 2: the checkpoint log holds a marker for chain ${chain}, which this checkpoint does not seal (not written by the hub)` });
  });

  it('names a chain sealed by a checkpoint without its marker, and marks an orphan it adopts', async () => {
    const { db, journal } = await setup();
    const id = await testSubmission(journal, {});
    const chain = `submission:${id}`;
    await db.checkpoint();
    // an older hub version still running beside this one writes checkpoint 2 without markers
    await journal.audit({ submissionId: id, actor: 'operator:olga', stage: 'redeliver' });
    await writeCheckpoint({ pool: db.pool, schema: db.schema, keys: db.keys, log: withoutMarkers(db.log) });
    expect(await chainMarkers(db.log, chain)).toEqual([1]);
    const verdict = await db.verify();
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBad).toMatchObject({ chain, seq: 2, reason: expect.stringMatching(/^sealed by checkpoint 2, whose marker for this chain is missing from the checkpoint log \(written by a hub of an older version/) });
    // meanwhile the index names checkpoint 2 (read from the log), so evidence does not anchor to checkpoint 1
    expect(await anchorOf(db, id)).toEqual({ no: 2, seq: 2 });

    // that version dies after writing checkpoint 3: the next writer adopts it and writes its markers
    await journal.audit({ submissionId: id, actor: 'operator:olga', stage: 'redeliver' });
    const dying = withoutMarkers(db.log);
    dying.put = async (name, content) => (await db.log.put(name, content)) && Promise.reject(new Error('crash after the anchor was written'));
    await expect(writeCheckpoint({ pool: db.pool, schema: db.schema, keys: db.keys, log: dying })).rejects.toThrow();
    await journal.audit({ actor: 'olga', stage: 'operator' });
    expect(await db.checkpoint()).toMatchObject({ no: 4 });
    // checkpoint 2 of that version is marked too, before the orphan: evidence anchors to the newest seal
    expect(await chainMarkers(db.log, chain)).toEqual([3, 2, 1]);
    expect(await anchorOf(db, id)).toEqual({ no: 3, seq: 3 });
  });

  it('marks the checkpoints a hub of the older version wrote meanwhile at its next write (a rolling update)', async () => {
    const { db, journal } = await setup();
    const id = await testSubmission(journal, {});
    const chain = `submission:${id}`;
    await db.checkpoint();
    // old and new replicas side by side: the old ones write checkpoints 2 and 3 without markers
    for (let i = 0; i < 2; i += 1) {
      await journal.audit({ submissionId: id, actor: 'operator:olga', stage: 'redeliver' });
      await writeCheckpoint({ pool: db.pool, schema: db.schema, keys: db.keys, log: withoutMarkers(db.log) });
    }
    expect(await chainMarkers(db.log, chain)).toEqual([1]);
    // the next checkpoint an upgraded replica writes (of another chain) marks them: evidence anchors to the newest seal
    await journal.audit({ actor: 'olga', stage: 'operator' });
    expect(await db.checkpoint()).toMatchObject({ no: 4 });
    expect(await chainMarkers(db.log, chain)).toEqual([3, 2, 1]);
    expect(await anchorOf(db, id)).toEqual({ no: 3, seq: 3 });
    expect(await db.verify()).toMatchObject({ ok: true, problems: 0 });
  });

  it('reads the checkpoints written before markers for a chain that has none, and only those', async () => {
    const { db, journal } = await setup();
    const id = await testSubmission(journal, {});
    const other = await testSubmission(journal, {});
    const before = withoutMarkers(db.log);
    await writeCheckpoint({ pool: db.pool, schema: db.schema, keys: db.keys, log: before });
    await journal.audit({ submissionId: other, actor: 'operator:olga', stage: 'redeliver' });
    await writeCheckpoint({ pool: db.pool, schema: db.schema, keys: db.keys, log: before });
    expect(await markedFrom(db.log)).toBeUndefined();
    expect((await anchorOf(db, id))?.no).toBe(1);

    // the upgraded hub writes checkpoints 3 and 4 with markers
    for (let i = 0; i < 2; i += 1) {
      await journal.audit({ submissionId: other, actor: 'operator:olga', stage: 'redeliver' });
      await db.checkpoint();
    }
    expect(await markedFrom(db.log)).toBe(3);
    const spy = counting(db.log);
    expect(await anchorOf(db, id, spy.log)).toEqual({ no: 1, seq: 1 });
    // checkpoint 1 as the index names it, 2 in the scan from the newest down, each once
    expect(spy.read.filter((n) => n.endsWith('.json')).sort()).toEqual([checkpointName(1), checkpointName(2)]);
    expect(spy.listed()).toBe(0);
    // checkpoints before markers need none
    expect(await db.verify()).toMatchObject({ ok: true, problems: 0, checkpoints: { verified: 4 } });

    await journal.audit({ submissionId: id, actor: 'operator:olga', stage: 'redeliver' });
    await db.checkpoint();
    expect(await anchorOf(db, id)).toEqual({ no: 5, seq: 2 });
  });
});
