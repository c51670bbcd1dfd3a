import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOB_REFERENCE_SQL, BlobReferenceStore } from './blob-reference-store.js';
import { Journal } from './journal.js';
import { testDatabase, testSubmission } from './test-schema.js';
import { XtaStore } from './xta-store.js';

const db = testDatabase();
const journal = db.store(Journal);
const refs = db.store(BlobReferenceStore);
beforeAll(() => db.migrate());
afterAll(() => db.drop());

const key = (s: string): string => createHash('sha256').update(s).digest('hex');

const submission = (channelMeta: unknown, state?: 'CREATED' | 'RECEIVED'): Promise<string> => testSubmission(journal, channelMeta, state);

describe('BlobReferenceStore: which blobs a journal row still names', () => {
  it('finds every kind of reference, in one batch, and nothing else', async () => {
    const k = Object.fromEntries(['attachment', 'metadata', 'deepInMeta', 'outputColumn', 'outputsJson', 'msgbox', 'orphan'].map((n) => [n, key(n)])) as Record<string, string>;
    // an upload: its submission was never submitted
    const created = await submission({ announced: ['att-1'] }, 'CREATED');
    await journal.recordAttachment({ submissionId: created, attachmentId: 'att-1', blobKey: k.attachment!, size: 3 });
    // received data, named by whatever field a channel chooses, at any depth
    const received = await submission({ metadataBlobKey: k.metadata, upstream: { attachmentBlobs: [{ attachmentId: 'a', blobKey: k.deepInMeta, size: 1 }] } });
    // output packages: the legacy column and the outputs map, which retention may have deleted (still named: kept)
    const moved = await journal.transitions(received, [
      { from: ['RECEIVED'], to: 'OPENED', actor: 'test', stage: 'process' },
      {
        from: ['OPENED'],
        to: 'MAPPED',
        actor: 'test',
        stage: 'process',
        patch: {
        outputBlobKey: k.outputColumn!,
        outputs: { 'xdomea-3.1.0:0401': { blobKey: k.outputsJson!, packageName: 'p.zip', mimeType: 'application/zip', size: 1, sha256: key('plain'), prozessId: 'p', mappingModule: 'm', mappingVersion: '1' } },
        },
      },
    ]);
    expect(moved?.state).toBe('MAPPED');
    // the XTA message box's own copy of a package
    await db.store(XtaStore).offer({ identity: 'ags:1', messageId: randomUUID(), submissionId: received, idempotencyKey: `${received}:r`, packageBlobKey: k.msgbox!, packageSize: 1, packageName: 'p.zip', meta: {} });

    const all = Object.values(k);
    const found = await refs.referenced([...all, 'not-a-key', "') OR true --"]);
    expect([...found].sort()).toEqual(all.filter((x) => x !== k.orphan).sort());
    expect(await refs.referenced([])).toEqual(new Set());
  });

  it('answers each kind of reference from an index, not by reading every row', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${BLOB_REFERENCE_SQL(`"${db.schema}"`)}`, [[key('a'), key('b')]])).rows.map((r) => r['QUERY PLAN']).join('\n');
      await client.query('ROLLBACK');
      for (const index of ['attachments_blob_key_idx', 'submissions_blob_refs_gin', 'submissions_output_blob_key_idx', 'submissions_output_refs_gin', 'xta_msgbox_package_blob_key_idx']) {
        expect(plan, plan).toContain(index);
      }
    } finally {
      client.release();
    }
  });

  it('knows every column that may name a blob: a new one fails here until the reference query covers it (or it is ruled out below)', async () => {
    const { rows } = await db.pool.query<{ col: string }>(
      `SELECT table_name || '.' || column_name AS col FROM information_schema.columns c
        WHERE table_schema = $1 AND (data_type IN ('jsonb', 'json') OR column_name ILIKE '%blob%' OR column_name ILIKE '%key%')
          -- audit partitions repeat the audit table's columns
          AND NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid JOIN pg_namespace n ON n.oid = p.relnamespace
                           WHERE n.nspname = c.table_schema AND p.relname = c.table_name)`,
      [db.schema],
    );
    const covered = ['attachments.blob_key', 'submissions.channel_meta', 'submissions.output_blob_key', 'submissions.outputs', 'xta_msgbox.package_blob_key'];
    // why each of these names no stored blob
    const notBlobs = [
      'audit.details', // records what happened, also the keys of blobs retention deleted; a record, not a holder
      'deliveries.receipt', // the target's answer (adapters never write to the blob store)
      'delivery_attempts.receipt',
      'dms_confirmations.reasons',
      'delegation_set.delegations',
      'submissions.problem',
      'xta_msgbox.meta', // XTA MessageMetaData of the entry
      'xta_msgbox.idempotency_key',
    ];
    expect(rows.map((r) => r.col).sort()).toEqual([...covered, ...notBlobs].sort());
    const sql = BLOB_REFERENCE_SQL('s');
    for (const col of covered) expect(sql).toContain(col.split('.')[1]);
  });
});
