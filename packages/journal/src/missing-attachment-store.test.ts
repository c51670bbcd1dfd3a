import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from './create-pool.js';
import { MissingAttachmentStore } from './missing-attachment-store.js';
import { testDatabase } from './test-schema.js';

const db = testDatabase();
const store = db.store(MissingAttachmentStore);
beforeAll(() => db.migrate());
afterAll(() => db.drop());

/** Moves a record's first miss back in time, as if the attachment had been missing that much longer. */
const backdate = (upstreamSubmissionId: string, ms: number) =>
  db.pool.query(`UPDATE "${db.schema}".upstream_missing_attachments SET first_missing_at = first_missing_at - make_interval(secs => $2::double precision / 1000) WHERE upstream_submission_id = $1`, [
    upstreamSubmissionId,
    ms,
  ]);

describe('MissingAttachmentStore', () => {
  it('counts the pickups from the first miss on, and how long ago that was by the database clock', async () => {
    const first = await store.missed('zd', 'a');
    expect(first.pickups).toBe(1);
    expect(first.missingMs).toBeLessThan(1000);
    await backdate('a', 3_600_000);
    const second = await store.missed('zd', 'a');
    expect(second.pickups).toBe(2);
    expect(second.missingMs).toBeGreaterThanOrEqual(3_600_000);
    expect(second.missingMs).toBeLessThan(3_601_000);
    // another upstream's submission of the same id counts apart
    expect((await store.missed('other-zd', 'a')).pickups).toBe(1);
  });

  it('is shared by every process: another pool (a restart, a replica) counts on', async () => {
    const replica = createPool(db.url, { max: 2 });
    try {
      const other = new MissingAttachmentStore({ pool: replica, schema: db.schema });
      await store.missed('zd', 'shared');
      await Promise.all([other.missed('zd', 'shared'), store.missed('zd', 'shared'), other.missed('zd', 'shared')]);
      expect((await other.missed('zd', 'shared')).pickups).toBe(5);
    } finally {
      await replica.end();
    }
  });

  it('starts afresh after forget', async () => {
    await store.missed('zd', 'arrived');
    await backdate('arrived', 3_600_000);
    await store.forget('zd', 'arrived');
    const again = await store.missed('zd', 'arrived');
    expect(again.pickups).toBe(1);
    expect(again.missingMs).toBeLessThan(1000);
  });

  it('keepOnly forgets what the list no longer holds, but not what was found missing after the list was read', async () => {
    await store.missed('keep', 'listed');
    await store.missed('keep', 'gone');
    await store.missed('keep-other', 'gone');
    const listedSince = new Date(Date.now() + 1000);
    await store.keepOnly('keep', ['listed'], listedSince);
    expect((await store.missed('keep', 'listed')).pickups).toBe(2);
    expect((await store.missed('keep', 'gone')).pickups).toBe(1);
    expect((await store.missed('keep-other', 'gone')).pickups).toBe(2);
    // 'gone' was just found missing again: a list read before that does not forget it
    await store.keepOnly('keep', [], new Date(Date.now() - 60_000));
    expect((await store.missed('keep', 'gone')).pickups).toBe(2);
  });
});
