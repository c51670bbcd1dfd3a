import { randomBytes, randomUUID } from 'node:crypto';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { FsBlobStore } from '@weiche/blobstore';
import { RetentionStore } from '@weiche/journal';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sweepAbandoned } from '../janitor.js';
import { createWithUpload, senderBearer, smallHubConfig, startTestHub, testDestination, type TestHub } from '../test-hub.js';
import { runRetention } from './run-retention.js';

// The paths that delete a submission's received blobs ask the journal whether another submission names them, then
// delete. A sender storing the same bytes in between (its put finds the file and refreshes it) has its row committed
// after that question: the delete must not take its file. `between` runs exactly there, on the real store and journal.

const CLIENT = { id: 'portal', secret: randomBytes(16).toString('hex') };
const DEST = randomUUID();
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const GRACE_MS = 2 * HOUR;
const LEFTOVER_GRACE_MS = 60_000;

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub((dir) => ({
    ...smallHubConfig(dir, {
      destinations: [testDestination(dir, DEST)],
      senderClients: [{ clientId: CLIENT.id, clientSecret: CLIENT.secret, name: 'Portal', destinations: [DEST] }],
    }),
    processing: { leftoverGraceMs: LEFTOVER_GRACE_MS },
    orphanBlobs: { graceMs: GRACE_MS },
  }));
});

afterAll(async () => {
  await hub?.close();
});

const bearer = (): Promise<string> => senderBearer(hub.app, CLIENT);
const schema = (): string => hub.deps.config.database.schema;

/** Sets a blob's last write back in time, as if it had been stored that long ago. */
async function ageBlob(key: string, ms: number): Promise<void> {
  const then = new Date(Date.now() - ms);
  await utimes(join(hub.deps.blobs.root, key.slice(0, 2), key), then, then);
}

/** Moves a submission's last change back in time. */
async function ageRow(submissionId: string, ms: number): Promise<void> {
  await hub.deps.pool.query(`UPDATE "${schema()}".submissions SET updated_at = now() - make_interval(secs => $2::double precision / 1000) WHERE submission_id = $1`, [submissionId, ms]);
}

/** The hub's blob store, except that `between` runs once right before the first deletion of `key`, whichever method deletes. */
function racing(key: string, between: () => Promise<unknown>): FsBlobStore {
  const blobs = hub.deps.blobs;
  let armed = true;
  const first = async (k: string): Promise<void> => {
    if (!armed || k !== key) return;
    armed = false;
    await between();
  };
  return Object.assign(Object.create(blobs) as FsBlobStore, {
    delete: async (k: string) => (await first(k), blobs.delete(k)),
    deleteStale: async (k: string, before: Date) => (await first(k), blobs.deleteStale(k, before)),
  });
}

/** A finished (REJECTED) submission past its ciphertext retention of 90 days, its upload `bytes` 2 days old. */
async function finishedPastRetention(authorization: string, bytes: string): Promise<{ submissionId: string; attachmentKey: string }> {
  const finished = await createWithUpload(hub.app, authorization, DEST, bytes);
  await ageBlob(finished.attachmentKey, 2 * DAY);
  // made REJECTED directly: how it got there does not matter to retention
  await hub.deps.pool.query(`UPDATE "${schema()}".submissions SET state = 'REJECTED' WHERE submission_id = $1`, [finished.submissionId]);
  await ageRow(finished.submissionId, 91 * DAY);
  return finished;
}

/** Runs retention with a ciphertext retention of 90 days, deleting through `blobs`. */
const retention = (blobs: FsBlobStore = hub.deps.blobs) =>
  runRetention({ ...hub.deps, config: { ...hub.deps.config, tenants: hub.deps.config.tenants.map((t) => ({ ...t, retention: { ciphertextDays: 90 } })) }, blobs }, { actor: 'test' });

/** Rejects the abandoned submissions (the janitor), deleting through `blobs`. */
const sweep = (blobs: FsBlobStore = hub.deps.blobs): Promise<number> => sweepAbandoned({ ...hub.deps, blobs, processing: hub.deps.config.processing });

describe('deleting received blobs while a sender stores the same bytes again', () => {
  it('the janitor: an abandoned submission’s upload, sent again by another submission between the question and the delete, stays', async () => {
    const authorization = await bearer();
    const bytes = `anlage.${randomBytes(6).toString('hex')}.c.d.e`;
    const abandoned = await createWithUpload(hub.app, authorization, DEST, bytes);
    await ageBlob(abandoned.attachmentKey, 2 * DAY);
    await ageRow(abandoned.submissionId, LEFTOVER_GRACE_MS + 1000);

    let other: { submissionId: string } | undefined;
    expect(await sweep(racing(abandoned.attachmentKey, async () => (other = await createWithUpload(hub.app, authorization, DEST, bytes))))).toBe(1);
    expect((await hub.deps.journal.getSubmission(abandoned.submissionId))?.state).toBe('REJECTED');
    // the other submission's committed row names the blob: it must be there
    const [named] = await hub.deps.journal.listAttachments(other!.submissionId);
    expect(named?.blobKey).toBe(abandoned.attachmentKey);
    expect((await hub.deps.blobs.read(abandoned.attachmentKey)).toString()).toBe(bytes);
  });

  it('two janitor passes deleting two abandoned submissions that share an upload do not each keep it for the other', async () => {
    const authorization = await bearer();
    const bytes = `geteilt.${randomBytes(6).toString('hex')}.c.d.e`;
    const a = await createWithUpload(hub.app, authorization, DEST, bytes);
    const b = await createWithUpload(hub.app, authorization, DEST, bytes);
    await ageBlob(a.attachmentKey, 2 * DAY);
    await ageRow(a.submissionId, LEFTOVER_GRACE_MS + 2000);
    await ageRow(b.submissionId, LEFTOVER_GRACE_MS + 1000);
    // a second janitor (another processor replica) starts its pass right after the first one asked whether another
    // submission still needs a's upload (b does: not rejected yet); it rejects b and would ask the same at once
    const ask = RetentionStore.prototype.receivedKeysInUse;
    let second: Promise<number> | undefined;
    let secondAsked: () => void = () => undefined;
    const spy = vi.spyOn(RetentionStore.prototype, 'receivedKeysInUse').mockImplementation(async function (this: RetentionStore, keys, except) {
      const inUse = await ask.call(this, keys, except);
      if (second) secondAsked();
      else {
        second = sweep();
        // the first goes on once the second asked too, or after a while when the second cannot get that far
        await Promise.race([new Promise<void>((resolve) => (secondAsked = resolve)), new Promise((resolve) => setTimeout(resolve, 1000))]);
      }
      return inUse;
    });
    try {
      expect(await sweep()).toBe(1);
      expect(await second).toBe(1);
    } finally {
      spy.mockRestore();
    }
    const store = new RetentionStore({ pool: hub.deps.pool, schema: schema() });
    const recorded = async (id: string): Promise<boolean> => Boolean((await store.deletedAt(id))?.received);
    // never the blob kept with both rows recorded as deleted (each kept it for the other): nothing would delete it
    expect(await recorded(a.submissionId)).toBe(true);
    expect(await recorded(b.submissionId)).toBe(true);
    expect(await hub.deps.blobs.exists(a.attachmentKey)).toBe(false);
  });

  it('the janitor keeps an upload written within the grace (it goes with the rejected row’s retention) and deletes an old one', async () => {
    const authorization = await bearer();
    const young = await createWithUpload(hub.app, authorization, DEST, `jung.${randomBytes(6).toString('hex')}.c.d.e`);
    const old = await createWithUpload(hub.app, authorization, DEST, `alt.${randomBytes(6).toString('hex')}.c.d.e`);
    await ageBlob(old.attachmentKey, GRACE_MS + HOUR);
    for (const s of [young, old]) await ageRow(s.submissionId, LEFTOVER_GRACE_MS + 1000);

    expect(await sweep()).toBe(2);
    expect(await hub.deps.blobs.exists(young.attachmentKey)).toBe(true);
    expect(await hub.deps.blobs.exists(old.attachmentKey)).toBe(false);
  });

  it('retention: a received blob sent again between the question and the delete stays; the row stays due and is recorded once the blob is old', async () => {
    const authorization = await bearer();
    const bytes = `antrag.${randomBytes(6).toString('hex')}.c.d.e`;
    // its upload another submission does not name yet
    const finished = await finishedPastRetention(authorization, bytes);
    const store = new RetentionStore({ pool: hub.deps.pool, schema: schema() });

    let other: { submissionId: string } | undefined;
    const first = await retention(racing(finished.attachmentKey, async () => (other = await createWithUpload(hub.app, authorization, DEST, bytes))));
    expect((await hub.deps.journal.listAttachments(other!.submissionId))[0]?.blobKey).toBe(finished.attachmentKey);
    expect((await hub.deps.blobs.read(finished.attachmentKey)).toString()).toBe(bytes);
    // kept as recent, not recorded: the row is due again
    expect(first?.tenants[0]).toMatchObject({ received: 0, skipped: 1 });
    expect((await store.deletedAt(finished.submissionId))?.received).toBeNull();

    // a day later: the blob is old, and the other submission names it, so it is kept for that one and the deletion recorded
    await ageBlob(finished.attachmentKey, DAY);
    expect((await retention())?.tenants[0]).toMatchObject({ received: 1, keptShared: 1, skipped: 0 });
    expect((await store.deletedAt(finished.submissionId))?.received).not.toBeNull();
    expect(await hub.deps.blobs.exists(finished.attachmentKey)).toBe(true);
  });

  it('retention: a put of the same bytes just before the run whose row commits between the question and the delete: the blob stays', async () => {
    const authorization = await bearer();
    const bytes = `eingang.${randomBytes(6).toString('hex')}.c.d.e`;
    const finished = await finishedPastRetention(authorization, bytes);
    // another submission's upload of the same bytes: its put (refreshing the file) ran before the run read its clock,
    // its attachments row commits only after the journal was asked — the case orphanBlobs.graceMs is subtracted for
    const other = await createWithUpload(hub.app, authorization, DEST, `anderes.${randomBytes(6).toString('hex')}.c.d.e`);
    await hub.deps.blobs.put(Buffer.from(bytes));
    const commitOther = () => hub.deps.pool.query(`UPDATE "${schema()}".attachments SET blob_key = $2 WHERE submission_id = $1`, [other.submissionId, finished.attachmentKey]);

    await retention(racing(finished.attachmentKey, commitOther));
    expect((await hub.deps.journal.listAttachments(other.submissionId))[0]?.blobKey).toBe(finished.attachmentKey);
    expect((await hub.deps.blobs.read(finished.attachmentKey)).toString()).toBe(bytes);
  });
});

describe('retention and a submission whose data cannot be deleted now', () => {
  it('logs it, leaves it due and goes on with the others; a later run finishes it', async () => {
    const authorization = await bearer();
    const stuck = await finishedPastRetention(authorization, `stuck.${randomBytes(6).toString('hex')}.c.d.e`);
    const other = await finishedPastRetention(authorization, `other.${randomBytes(6).toString('hex')}.c.d.e`);
    const store = new RetentionStore({ pool: hub.deps.pool, schema: schema() });
    // a blob store that cannot remove one file (a permission changed by hand, a disk error on that block)
    const refusing = Object.assign(Object.create(hub.deps.blobs) as FsBlobStore, {
      deleteStale: (k: string, before: Date) => (k === stuck.attachmentKey ? Promise.reject(new Error('EACCES: permission denied')) : hub.deps.blobs.deleteStale(k, before)),
    });

    const first = await retention(refusing);
    expect(first?.tenants[0]).toMatchObject({ failed: 1 });
    expect((await store.deletedAt(other.submissionId))?.received).not.toBeNull();
    expect(await hub.deps.blobs.exists(other.attachmentKey)).toBe(false);
    expect((await store.deletedAt(stuck.submissionId))?.received).toBeNull();
    expect(await hub.deps.blobs.exists(stuck.attachmentKey)).toBe(true);

    expect((await retention())?.tenants[0]).toMatchObject({ failed: 0 });
    expect((await store.deletedAt(stuck.submissionId))?.received).not.toBeNull();
    expect(await hub.deps.blobs.exists(stuck.attachmentKey)).toBe(false);
  });
});
