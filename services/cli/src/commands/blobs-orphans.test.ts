import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { access, mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '@weiche/journal';
import { weiche } from '../weiche-cli.test-support.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `t_${randomBytes(5).toString('hex')}`;

afterAll(async () => {
  const pool = createPool(DATABASE_URL, { max: 1 });
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

/** Stores bytes where the hub's blob store keeps them (<root>/<k[0..2]>/<sha256>), written `ageMs` ago. */
async function blobFile(root: string, bytes: Buffer, ageMs: number): Promise<string> {
  const key = createHash('sha256').update(bytes).digest('hex');
  await mkdir(join(root, key.slice(0, 2)), { recursive: true });
  await writeFile(join(root, key.slice(0, 2), key), bytes);
  const then = new Date(Date.now() - ageMs);
  await utimes(join(root, key.slice(0, 2), key), then, then);
  return join(root, key.slice(0, 2), key);
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

// runs the built command against a real journal and a real blob folder, as an operator would
describe('weiche blobs orphans', () => {
  it('counts the orphans older than the grace period in a dry run, deletes them with --delete, never names one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-orphans-'));
    const dataDir = join(dir, 'data');
    const file = join(dir, 'weiche.yaml');
    await writeFile(
      file,
      [
        `dataDir: ${dataDir}`,
        `database: { url: "${DATABASE_URL}", schema: ${schema} }`,
        `redis: { url: "${process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'}", prefix: wt_${randomBytes(4).toString('hex')} }`,
        'orphanBlobs: { graceMs: 3600000 }',
        'tenants:',
        '  - { id: testhausen, name: Testhausen, behoerdenkennung: "ags:05974028" }',
        '',
      ].join('\n'),
    );
    const old = await blobFile(join(dataDir, 'blobs'), Buffer.alloc(2048, 1), 2 * 3600_000);
    const young = await blobFile(join(dataDir, 'blobs'), Buffer.alloc(10, 2), 0);
    const oldKey = old.slice(-64);

    const dry = await weiche('blobs', 'orphans', '--config', file);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/orphans \(named by no journal row\): 1, 2\.0 KiB/);
    expect(dry.stdout).toMatch(/dry run: nothing deleted/);
    expect(await exists(old)).toBe(true);

    // the journal (migrated by the first run) names something, as any journal in use does: an empty one refuses to delete
    const refused = await weiche('blobs', 'orphans', '--delete', '--config', file);
    expect(refused.stdout).toMatch(/nothing deleted: the journal names no blob at all/);
    expect(await exists(old)).toBe(true);
    const pool = createPool(DATABASE_URL, { max: 1 });
    const submissionId = randomUUID();
    // a bare row (the hub's evidence key, which a Journal write would need for its audit record, is the hub's)
    await pool.query(
      `INSERT INTO "${schema}".submissions (submission_id, tenant_id, service_identifier, state, channel, channel_ref, channel_meta) VALUES ($1, 'testhausen', 'urn:test', 'RECEIVED', 'test', $1, '{}')`,
      [submissionId],
    );
    await pool.end();

    const deleted = await weiche('blobs', 'orphans', '--delete', '--json', '--config', file);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ dryRun: false, checked: 1, orphans: 1, orphanBytes: 2048, deleted: 1 });
    expect(await exists(old)).toBe(false);
    expect(await exists(young)).toBe(true);
    for (const out of [dry, refused, deleted]) expect(out.stdout + out.stderr).not.toContain(oldKey);
  });
});
