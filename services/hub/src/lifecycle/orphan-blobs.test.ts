import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdir, rename, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createPool, migrate } from '@weiche/journal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrphanBlobSweep } from '../janitor.js';
import { createWithUpload as uploaded, senderBearer, smallHubConfig, startTestHub, testDestination, testService, type TestHub } from '../test-hub.js';
import { sweepLogLine, sweepOrphanBlobs, type OrphanSweepReport } from './orphan-blobs.js';

const SERVICE = 'urn:de:fim:leika:leistung:99010003001006';
const CLIENT = { id: 'portal', secret: randomBytes(16).toString('hex') };
const DEST = randomUUID();
const HOUR = 3600_000;
const GRACE_MS = 2 * HOUR;

let hub: TestHub;
let blobRoot: string;

beforeAll(async () => {
  hub = await startTestHub((dir) => ({
    ...smallHubConfig(dir, {
      destinations: [testDestination(dir, DEST, [testService(SERVICE)])],
      senderClients: [{ clientId: CLIENT.id, clientSecret: CLIENT.secret, name: 'Portal', destinations: [DEST] }],
    }),
    orphanBlobs: { graceMs: GRACE_MS, batchSize: 2 },
  }));
  blobRoot = hub.deps.blobs.root;
});

afterAll(async () => {
  await hub?.close();
});

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const pathOf = (key: string): string => join(blobRoot, key.slice(0, 2), key);

/** Sets a blob's last write back in time, as if it had been stored that long ago. */
async function age(key: string, ms: number): Promise<void> {
  const then = new Date(Date.now() - ms);
  await utimes(pathOf(key), then, then);
}

/** Every blob key in the store. */
async function storedKeys(): Promise<string[]> {
  const keys: string[] = [];
  for (const dir of (await readdir(blobRoot)).filter((d) => /^[0-9a-f]{2}$/.test(d))) keys.push(...(await readdir(join(blobRoot, dir))));
  return keys.sort();
}

const bearer = (): Promise<string> => senderBearer(hub.app, CLIENT);

const createWithUpload = (authorization: string, attachment: string): ReturnType<typeof uploaded> => uploaded(hub.app, authorization, DEST, attachment);

describe('orphan blobs: what no journal row names is deleted after the grace period, nothing else', () => {
  it('a PostgreSQL cut between the blob writes and the commit: the blobs stay unnamed, the sweep deletes them; named and young blobs stay', async () => {
    const authorization = await bearer();
    const tag = randomBytes(6).toString('hex');
    const { submissionId, attachmentKey } = await createWithUpload(authorization, `anlage.${tag}.c.d.e`);
    const metadata = `metadata.${tag}.c.d.e`;
    const data = `data.${tag}.c.d.e`;

    // the cut: the connection that is to commit RECEIVED dies inside its transaction (as when PostgreSQL goes away
    // or the process is killed), after the route stored metadata and data in the blob store
    const schema = hub.deps.config.database.schema;
    await hub.deps.pool.query(`CREATE FUNCTION "${schema}".cut() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$`);
    await hub.deps.pool.query(`CREATE TRIGGER cut BEFORE UPDATE ON "${schema}".submissions FOR EACH ROW WHEN (NEW.state = 'RECEIVED') EXECUTE FUNCTION "${schema}".cut()`);
    const submit = await hub.app.inject({ method: 'PUT', url: `/v1/submissions/${submissionId}`, headers: { authorization, 'content-type': 'application/json' }, payload: { encryptedMetadata: metadata, encryptedData: data } });
    await hub.deps.pool.query(`DROP TRIGGER cut ON "${schema}".submissions`);
    expect(submit.statusCode).toBeGreaterThanOrEqual(500);
    expect((await hub.deps.journal.getSubmission(submissionId))?.state).toBe('CREATED');
    const cutKeys = [sha256(metadata), sha256(data)];
    for (const key of cutKeys) expect(await hub.deps.blobs.exists(key)).toBe(true);

    // an orphan from just now (an upload whose row is about to be committed) and an old one of nobody
    const young = await hub.deps.blobs.put(Buffer.from(`jung ${tag}`));
    const old = await hub.deps.blobs.put(Buffer.from(`alt ${tag}`));
    for (const key of [...cutKeys, old.key, attachmentKey]) await age(key, GRACE_MS + HOUR);
    const before = await storedKeys();

    const dry = await sweepOrphanBlobs(hub.deps, { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, orphans: 3, orphanBytes: metadata.length + data.length + old.size, deleted: 0 });
    expect(await storedKeys()).toEqual(before);

    const swept = await sweepOrphanBlobs(hub.deps, { dryRun: false });
    expect(swept).toMatchObject({ dryRun: false, orphans: 3, deleted: 3 });
    for (const key of [...cutKeys, old.key]) expect(await hub.deps.blobs.exists(key)).toBe(false);
    // named by the attachments row of a submission still waiting for its submit: kept, as is the young one
    expect(await hub.deps.blobs.exists(attachmentKey)).toBe(true);
    expect(await hub.deps.blobs.exists(young.key)).toBe(true);
    // the sender tries again: the submit works and its blobs are named, so the next sweep keeps them
    const retry = await hub.app.inject({ method: 'PUT', url: `/v1/submissions/${submissionId}`, headers: { authorization, 'content-type': 'application/json' }, payload: { encryptedMetadata: metadata, encryptedData: data } });
    expect(retry.statusCode).toBe(202);
    for (const key of cutKeys) await age(key, GRACE_MS + HOUR);
    expect(await sweepOrphanBlobs(hub.deps, { dryRun: false })).toMatchObject({ orphans: 0, deleted: 0 });
    for (const key of cutKeys) expect(await hub.deps.blobs.exists(key)).toBe(true);
  });

  it('against a journal that names nothing at all (a wrong database.schema) it counts but deletes nothing', async () => {
    const orphan = await hub.deps.blobs.put(Buffer.from(`vielleicht ${randomUUID()}`));
    await age(orphan.key, GRACE_MS + HOUR);
    const empty = `t_${randomBytes(5).toString('hex')}`;
    await migrate(hub.deps.pool, empty);
    try {
      const config = { ...hub.deps.config, database: { ...hub.deps.config.database, schema: empty } };
      const report = await sweepOrphanBlobs({ ...hub.deps, config }, { dryRun: false });
      expect(report).toMatchObject({ refused: 'empty-journal', deleted: 0 });
      expect(report.orphans).toBeGreaterThanOrEqual(2); // the orphan and the blobs the other test's journal names
      expect(await hub.deps.blobs.exists(orphan.key)).toBe(true);
    } finally {
      await hub.deps.pool.query(`DROP SCHEMA "${empty}" CASCADE`);
      await hub.deps.blobs.delete(orphan.key);
    }
  });

  it('with the journal out of reach the sweep fails and deletes nothing: no answer is never read as "no row names it"', async () => {
    const orphan = await hub.deps.blobs.put(Buffer.from(`niemandes ${randomUUID()}`));
    await age(orphan.key, GRACE_MS + HOUR);
    // PostgreSQL down: a real pool to a port nothing listens on
    const down = createPool('postgres://weiche@127.0.0.1:1/test');
    // PostgreSQL answering the first question, then not the reference query of a page: the attachments table locked
    // by another session and the sweep's statements given 300 ms
    const url = new URL(hub.deps.config.database.url);
    url.searchParams.set('options', '-c statement_timeout=300');
    const slow = createPool(url.toString());
    const locker = await hub.deps.pool.connect();
    try {
      await expect(sweepOrphanBlobs({ ...hub.deps, pool: down }, { dryRun: false })).rejects.toThrow();
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${hub.deps.config.database.schema}".attachments IN ACCESS EXCLUSIVE MODE`);
      await expect(sweepOrphanBlobs({ ...hub.deps, pool: slow }, { dryRun: false })).rejects.toThrow(/statement timeout/);
      expect(await hub.deps.blobs.exists(orphan.key)).toBe(true);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
      await Promise.all([down.end(), slow.end()]);
      await hub.deps.blobs.delete(orphan.key);
    }
  });

  it('a crash inside a deletion left blobs set aside in tmp/: a pass puts back the recent and the named ones, deletes the old unnamed one; switched off, it only puts back', async () => {
    const authorization = await bearer();
    const { attachmentKey: named } = await createWithUpload(authorization, `benannt.${randomBytes(6).toString('hex')}.c.d.e`);
    const recent = await hub.deps.blobs.put(Buffer.from(`eben wieder gespeichert ${randomUUID()}`));
    const orphan = await hub.deps.blobs.put(Buffer.from(`niemandes ${randomUUID()}`));
    const tmp = join(blobRoot, 'tmp');
    /** The state deleteStale leaves when the process dies right after its rename: the file in tmp/ under its aside name. */
    const setAside = async (key: string, ms: number): Promise<void> => {
      const aside = join(tmp, `${key}.${randomUUID()}.aside`);
      await rename(pathOf(key), aside);
      const then = new Date(Date.now() - ms);
      await utimes(aside, then, then);
    };
    const asideNames = async (): Promise<string[]> => (await readdir(tmp)).filter((n) => n.endsWith('.aside'));
    await setAside(named, GRACE_MS + HOUR);
    await setAside(recent.key, 0);
    await setAside(orphan.key, GRACE_MS + HOUR);

    // switched off (orphanBlobs.enabled: false): a pass puts back what is recent or named, and deletes nothing
    const off = { ...hub.deps, config: { ...hub.deps.config, orphanBlobs: { ...hub.deps.config.orphanBlobs, enabled: false } } };
    await startOrphanBlobSweep(off).stop();
    for (const key of [named, recent.key]) expect(await hub.deps.blobs.exists(key)).toBe(true);
    expect(await asideNames()).toEqual([expect.stringMatching(new RegExp(`^${orphan.key}\\.`))]);

    await setAside(named, GRACE_MS + HOUR);
    await setAside(recent.key, 0);
    const report = await sweepOrphanBlobs(hub.deps, { dryRun: false });
    expect(report).toMatchObject({ restored: 2 });
    expect(report.deleted).toBeGreaterThanOrEqual(1);
    for (const key of [named, recent.key]) expect(await hub.deps.blobs.exists(key)).toBe(true);
    expect(await hub.deps.blobs.exists(orphan.key)).toBe(false);
    expect(await asideNames()).toEqual([]);
  });

  it('the periodic pass (processor role) sweeps at start and logs counts, never a key', async () => {
    const orphan = await hub.deps.blobs.put(Buffer.from(`niemandes ${randomUUID()}`));
    await age(orphan.key, GRACE_MS + HOUR);
    const lines: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }));
    const sweep = startOrphanBlobSweep({ ...hub.deps, log });
    await sweep.stop();
    expect(await hub.deps.blobs.exists(orphan.key)).toBe(false);
    expect(lines.join('')).toMatch(/orphan blobs deleted/);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ deleted: 1, orphans: 1 });
    expect(lines.join('')).not.toContain(orphan.key);
  });
});

describe('what a periodic pass logs', () => {
  const report = (over: Partial<OrphanSweepReport>): OrphanSweepReport => ({ dryRun: false, checked: 0, orphans: 0, orphanBytes: 0, deleted: 0, tempFiles: 0, tempBytes: 0, restored: 0, ...over });

  it('says nothing on a fresh hub: an empty journal beside nothing stale is no misconfiguration', () => {
    expect(sweepLogLine(report({ dryRun: true, refused: 'empty-journal' }))).toBeUndefined();
    expect(sweepLogLine(report({}))).toBeUndefined();
  });

  it('warns when an empty journal sits beside stale blobs, and counts what it deleted otherwise', () => {
    expect(sweepLogLine(report({ dryRun: true, refused: 'empty-journal', checked: 3, orphans: 3, orphanBytes: 300 }))?.level).toBe('warn');
    expect(sweepLogLine(report({ checked: 3, orphans: 2, orphanBytes: 200, deleted: 2 }))).toMatchObject({ level: 'info' });
    expect(sweepLogLine(report({ tempFiles: 1, tempBytes: 10 }))).toMatchObject({ level: 'info' });
    expect(sweepLogLine(report({ restored: 1 }))).toMatchObject({ level: 'warn' });
  });
});
