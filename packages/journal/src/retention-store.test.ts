import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { Journal } from './journal.js';
import { BLOB_REFS, RetentionStore } from './retention-store.js';
import { testDatabase, testSubmission } from './test-schema.js';

const db = testDatabase();
const journal = db.store(Journal);
const store = db.store(RetentionStore);
beforeAll(() => db.migrate());
afterAll(() => db.drop());

const key = (s: string): string => createHash('sha256').update(s).digest('hex');

const submission = (channelMeta: unknown, state?: 'CREATED' | 'RECEIVED'): Promise<string> => testSubmission(journal, channelMeta, state);

describe('RetentionStore', () => {
  it('keeps a received blob that another submission still names, in its metadata (any field, any depth) or as an attachment', async () => {
    const [shared, attached, deep, alone] = ['shared', 'attached', 'deep', 'alone'].map(key) as [string, string, string, string];
    const a = await submission({ containerBlobKey: shared, other: [attached, deep, alone] });
    const b = await submission({ containerBlobKey: shared });
    const c = await submission({ announced: [] }, 'CREATED');
    await journal.recordAttachment({ submissionId: c, attachmentId: 'att-1', blobKey: attached, size: 3 });
    await submission({ nested: { parts: [{ blob: deep }] } });

    expect(await store.receivedKeysInUse([shared, attached, deep, alone], a)).toEqual(new Set([shared, attached, deep]));
    // a submission's own reference does not keep its blob
    expect(await store.receivedKeysInUse([alone], a)).toEqual(new Set());
    // once the other submission's received data is deleted, it no longer needs the blob
    await db.pool.query(`UPDATE "${db.schema}".submissions SET received_deleted_at = now() WHERE submission_id = $1`, [b]);
    expect(await store.receivedKeysInUse([shared], a)).toEqual(new Set());
    // what is not a blob key is never put into a query
    expect(await store.receivedKeysInUse(['") || true || ("'], a)).toEqual(new Set());
  });

  it('answers the in-use question from the GIN index over the blob keys in channel_meta, not by reading every row', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      // the condition receivedKeysInUse puts on channel_meta, as the planner sees it
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT 1 FROM "${db.schema}".submissions o
          WHERE ${BLOB_REFS} @> jsonb_build_array($1::text)
            AND o.submission_id <> $2 AND o.received_deleted_at IS NULL`,
        [key('x'), 'x'],
      );
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('submissions_blob_refs_gin');
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });

  it('lets one retention run at a time work on a journal', async () => {
    let release!: () => void;
    let acquired!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = new Promise<void>((resolve) => (acquired = resolve));
    const first = store.exclusive(async () => {
      acquired();
      await held;
      return 'first';
    });
    // the first run holds the lock until it is done: a second one is turned away, a later one gets it
    await running;
    expect(await store.exclusive(() => Promise.resolve('second'))).toBeUndefined();
    release();
    expect(await first).toBe('first');
    expect(await store.exclusive(() => Promise.resolve('third'))).toBe('third');
  });

  it('never records a deletion for a submission that is not finished', async () => {
    const id = await submission({});
    expect(await store.recordDeleted('received', id, new Date(), { actor: 'test', details: {} })).toBe(false);
    expect(await store.deletedAt(id)).toEqual({ outputs: null, received: null });
    expect((await journal.listAudit({ submissionId: id, limit: 10 })).map((r) => r.stage)).toEqual(['intake']);
    expect(await store.due('received', 'stadt-a', new Date(Date.now() + 86_400_000), 100)).toEqual([]);
  });
  it('finds the submissions rejected as not picked up that still hold their received data, from their partial index', async () => {
    const reject = async (code: ErrorCode): Promise<string> => {
      const id = await submission({});
      const problem = { code, stage: 'pickup', part: 'submission', detail: 'test' } as const;
      await journal.transition(id, { from: ['RECEIVED'], to: 'REJECTED', actor: 'test', stage: 'pickup', patch: { reason: 'test', problem } });
      return id;
    };
    const holding = await reject(ErrorCode.NOT_PICKED_UP);
    const done = await reject(ErrorCode.NOT_PICKED_UP);
    await store.recordDeleted('received', done, new Date(), { actor: 'test', details: {} });
    await reject(ErrorCode.MISSING_DATA);
    await submission({});
    expect((await store.notPickedUpHoldingData(['test-channel'], 100)).map((r) => r.submissionId)).toEqual([holding]);
    expect(await store.notPickedUpHoldingData(['another-channel'], 100)).toEqual([]);

    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      // the statement of notPickedUpHoldingData, as the planner sees it
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT * FROM "${db.schema}".submissions
          WHERE state = 'REJECTED' AND received_deleted_at IS NULL AND problem->>'code' = 'WEICHE_ERR_NOT_PICKED_UP'
            AND channel = ANY($1::text[]) ORDER BY updated_at LIMIT $2`,
        [['test-channel'], 100],
      );
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('submissions_not_picked_up_data_idx');
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });
});
