import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDecrypted, putEncrypted } from './encrypted-blob.js';
import { FsBlobStore } from './fs-blob-store.js';
import { masterKeyId, wrappedFor } from './tenant-key-file.js';
import { TenantKeyring } from './tenant-keyring.js';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

describe('master key rotation of tenant key files', () => {
  it('rewraps without changing data keys: old and new key open during the rotation, only the new one after', async () => {
    const root = await mkdtemp(join(tmpdir(), 'master-rot-'));
    const dir = join(root, 'keys');
    const store = new FsBlobStore({ root: join(root, 'blobs') });
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = new TenantKeyring({ dir, masterKey: oldKey });
    const blob = await putEncrypted(store, before, 'testhausen', Buffer.from('Bauantrag'));
    const dataKey = await before.dataKey('otherburg');

    // start: wraps under both; a process still on the old key and one on the new key both open
    expect((await before.rewrapAll([oldKey, newKey])).sort()).toEqual(['otherburg', 'testhausen']);
    expect(wrappedFor('otherburg', await readFile(join(dir, 'otherburg.key')))).toEqual([masterKeyId(oldKey).toString('hex'), masterKeyId(newKey).toString('hex')]);
    const onlyNew = new TenantKeyring({ dir, masterKey: newKey });
    expect(await onlyNew.dataKey('otherburg')).toEqual(dataKey);
    expect(await text(await getDecrypted(store, onlyNew, 'testhausen', blob.key))).toBe('Bauantrag');
    expect(await before.dataKey('otherburg')).toEqual(dataKey);
    // a key made mid-rotation by a process that knows both opens for both
    const restarted = new TenantKeyring({ dir, masterKey: newKey, otherMasterKeys: [oldKey] });
    const fresh = await restarted.dataKey('neustadt');
    expect(await before.dataKey('neustadt')).toEqual(fresh);

    // finish: only the new key opens
    await restarted.rewrapAll([newKey]);
    expect(await onlyNew.dataKey('neustadt')).toEqual(fresh);
    expect(await text(await getDecrypted(store, onlyNew, 'testhausen', blob.key))).toBe('Bauantrag');
    await expect(before.findDataKey('otherburg')).rejects.toThrow(/does not unwrap/);
  });

  it('still reads key files of the first format (WKK1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'master-v1-'));
    const master = randomBytes(32);
    const dataKey = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', master, iv);
    cipher.setAAD(Buffer.from('testhausen', 'utf8'));
    const wrapped = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    await writeFile(join(dir, 'testhausen.key'), Buffer.concat([Buffer.from('WKK1'), iv, wrapped, cipher.getAuthTag()]));
    expect(await new TenantKeyring({ dir, masterKey: master }).dataKey('testhausen')).toEqual(dataKey);
    await expect(new TenantKeyring({ dir, masterKey: randomBytes(32) }).findDataKey('testhausen')).rejects.toThrow(/does not unwrap/);
  });
});
