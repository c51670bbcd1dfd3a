import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { Journal } from './journal.js';
import { testDatabase } from './test-schema.js';
import { XtaStore } from './xta-store.js';

const db = testDatabase();
const store = db.store(XtaStore);
const journal = db.store(Journal);
beforeAll(() => db.migrate());
afterAll(() => db.drop());

async function received(xtaMessageId = `urn:de:xta:messageid:t:${randomUUID()}`): Promise<string> {
  const submissionId = randomUUID();
  await journal.createSubmission({
    submissionId,
    tenantId: 'stadt-a',
    channel: 'xta',
    channelRef: xtaMessageId,
    channelMeta: { readerId: 'ags:05974028', authorId: 'dvdv:portal', container: 'encrypted', containerBlobKey: 'blob-1' },
    serviceIdentifier: 'urn:xoev-de:bmk:standard:xbau',
    state: 'RECEIVED',
    actor: 'xta:dvdv:portal',
    inputHash: 'a'.repeat(64),
  });
  return submissionId;
}

describe('XtaStore', () => {
  it('a MessageID is unique on the xta channel (fault 9024 at intake)', async () => {
    const id = `urn:de:xta:messageid:t:${randomUUID()}`;
    const submissionId = await received(id);
    expect((await journal.findByChannelRef('xta', id))?.submissionId).toBe(submissionId);
    await expect(received(id)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
  });

  it('offers per identity, idempotently, lists until closed, and keeps other identities out', async () => {
    const submissionId = await received();
    const offer = { identity: 'dvdv:fv', messageId: `urn:de:xta:messageid:w:${randomUUID()}`, submissionId, idempotencyKey: `${submissionId}:r1`, packageBlobKey: 'pkg', packageSize: 10, packageName: 'p.zip', meta: { m: 1 } };
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
