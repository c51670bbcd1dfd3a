import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../journal.js';
import { migrate } from '../migrate.js';
import { testDatabase } from '../test-schema.js';
import { MIGRATIONS } from './index.js';

const db = testDatabase();
afterAll(() => db.drop());

describe('migration 0005: the channel-neutral row', () => {
  it('moves FIT-Connect and XTA columns into channel_meta, keeps the MessageID unique, and marks finished rows acknowledged', async () => {
    const s = `"${db.schema}"`;
    // the schema as the hub before issue 9 left it
    await db.pool.query(`CREATE SCHEMA ${s}; CREATE TABLE ${s}.schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const m of MIGRATIONS.slice(0, 4)) {
      await db.pool.query(m.sql(s));
      await db.pool.query(`INSERT INTO ${s}.schema_migrations (id) VALUES ($1)`, [m.id]);
    }
    const fit = randomUUID();
    const caseId = randomUUID();
    const xta = randomUUID();
    const messageId = `urn:de:xta:messageid:t:${randomUUID()}`;
    await db.pool.query(
      `INSERT INTO ${s}.submissions (submission_id, case_id, destination_id, tenant_id, sender_client_id, service_identifier, state,
         announced_attachments, callback, metadata_blob_key, data_blob_key, authentication_tags)
       VALUES ($1, $2, 'dest-1', 'stadt-a', 'portal', 'urn:de:fim:leika:leistung:1', 'DELIVERED', '["att-1"]', '{"url":"https://cb.example","secret":"s"}', 'mk', 'dk',
         '{"metadata":"t1","attachments":{"att-1":"t2"}}')`,
      [fit, caseId],
    );
    await db.pool.query(
      `INSERT INTO ${s}.submissions (submission_id, case_id, destination_id, tenant_id, sender_client_id, service_identifier, state, data_blob_key, channel, xta_message_id, xta_meta)
       VALUES ($1, $2, 'ags:05974028', 'stadt-a', 'dvdv:portal', 'urn:xoev-de:bmk:standard:xbau', 'RECEIVED', 'ck', 'xta', $3, $4)`,
      [xta, randomUUID(), messageId, JSON.stringify({ messageMetaData: { messageId, qualifier: {} }, container: 'encrypted', mtom: true })],
    );

    expect(await migrate(db.pool, db.schema)).toEqual({ applied: MIGRATIONS.slice(4).map((m) => m.id) });
    const journal = new Journal({ pool: db.pool, schema: db.schema });
    expect(await journal.getSubmission(fit)).toMatchObject({
      channel: 'fit-connect',
      channelRef: fit,
      channelMeta: {
        caseId,
        destinationId: 'dest-1',
        senderClientId: 'portal',
        announcedAttachments: ['att-1'],
        metadataBlobKey: 'mk',
        dataBlobKey: 'dk',
        authenticationTags: { metadata: 't1', attachments: { 'att-1': 't2' } },
      },
      acknowledgedAt: expect.any(Date) as unknown as Date,
    });
    // 0005 moved the callback into channel_meta; 0014 removed it again, as its secret was plaintext
    expect((await journal.getSubmission(fit))?.channelMeta).not.toHaveProperty('callback');
    expect(await journal.findByChannelRef('xta', messageId)).toMatchObject({
      submissionId: xta,
      channelMeta: { readerId: 'ags:05974028', authorId: 'dvdv:portal', container: 'encrypted', mtom: true, containerBlobKey: 'ck', messageMetaData: { messageId } },
      acknowledgedAt: null,
    });
    const columns = await db.pool.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'submissions'`, [db.schema]);
    const names = columns.rows.map((r) => r.column_name);
    for (const gone of ['case_id', 'destination_id', 'sender_client_id', 'xta_meta', 'xta_message_id', 'authentication_tags']) expect(names).not.toContain(gone);
    await expect(
      db.pool.query(`INSERT INTO ${s}.submissions (submission_id, tenant_id, channel, channel_ref, channel_meta, service_identifier, state) VALUES ($1, 't', 'xta', $2, '{}', 'x', 'RECEIVED')`, [randomUUID(), messageId]),
    ).rejects.toThrow(/submissions_channel_ref_uq/);
  });
});
