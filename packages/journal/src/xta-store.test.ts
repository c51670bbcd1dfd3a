import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { Journal } from './journal.js';
import { migrate } from './migrate.js';
import { testDatabase } from './test-schema.js';
import { XtaStore } from './xta-store.js';

const db = testDatabase();
let store: XtaStore;
let journal: Journal;

beforeAll(async () => {
  await migrate(db.pool, db.schema);
  store = new XtaStore({ pool: db.pool, schema: db.schema });
  journal = new Journal({ pool: db.pool, schema: db.schema });
});
afterAll(() => db.drop());

async function received(xtaMessageId = `urn:de:xta:messageid:t:${randomUUID()}`): Promise<string> {
  const submissionId = randomUUID();
  await store.createSubmission({
    submissionId,
    caseId: randomUUID(),
    readerId: 'ags:05974028',
    tenantId: 'stadt-a',
    authorId: 'dvdv:portal',
    serviceIdentifier: 'urn:xoev-de:xbau:standard:xbau',
    xtaMessageId,
    xtaMeta: { container: 'encrypted' },
    containerBlobKey: 'blob-1',
    containerSha256: 'a'.repeat(64),
  });
  return submissionId;
}

describe('XtaStore', () => {
  it('records an XTA message as RECEIVED on the xta channel with its intake audit record', async () => {
    const id = `urn:de:xta:messageid:t:${randomUUID()}`;
    const submissionId = await received(id);
    const row = await journal.getSubmission(submissionId);
    expect(row).toMatchObject({ state: 'RECEIVED', channel: 'xta', xtaMessageId: id, dataBlobKey: 'blob-1', senderClientId: 'dvdv:portal' });
    expect((await store.findByMessageId(id))?.submissionId).toBe(submissionId);
    const audit = await journal.listAudit({ submissionId, limit: 10 });
    expect(audit.map((a) => [a.stage, a.toState])).toEqual([['intake', 'RECEIVED']]);
    expect(await db.verify()).toMatchObject({ ok: true, problems: 0 });
  });

  it('refuses a repeated MessageID with CONFLICT (fault 9024)', async () => {
    const id = `urn:de:xta:messageid:t:${randomUUID()}`;
    await received(id);
    await expect(received(id)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
  });

  it('offers per identity, idempotently, lists until closed, and keeps other identities out', async () => {
    const submissionId = await received();
    const offer = { identity: 'dvdv:fv', messageId: `urn:de:xta:messageid:w:${randomUUID()}`, submissionId, idempotencyKey: `${submissionId}:r1`, packageBlobKey: 'pkg', packageSize: 10, meta: { m: 1 } };
    const first = await store.offer(offer);
    const again = await store.offer({ ...offer, messageId: 'urn:de:xta:messageid:w:other', packageBlobKey: 'pkg-2' });
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ duplicate: true, entry: { messageId: offer.messageId, packageBlobKey: 'pkg' } });
    expect((await store.listOffered('dvdv:fv', { limit: 10 })).map((e) => e.messageId)).toContain(offer.messageId);
    expect(await store.listOffered('dvdv:other', { limit: 10 })).toEqual([]);
    expect(await store.fetch('dvdv:other', offer.messageId)).toBeUndefined();
    expect((await store.fetch('dvdv:fv', offer.messageId))?.firstFetchedAt).toBeInstanceOf(Date);
    expect(await store.close('dvdv:other', [offer.messageId])).toEqual([]);
    expect((await store.close('dvdv:fv', [offer.messageId])).map((e) => e.status)).toEqual(['closed']);
    expect(await store.countOffered('dvdv:fv')).toBe(0);
    expect((await store.entriesOfSubmission(submissionId)).length).toBe(1);
  });
});
