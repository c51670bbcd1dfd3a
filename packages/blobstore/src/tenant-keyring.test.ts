import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { TenantKeyring } from './tenant-keyring.js';

let dir: string;
const masterKey = randomBytes(32);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weiche-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TenantKeyring', () => {
  it('creates a 32-byte key on first use and returns the same key later, also from another instance', async () => {
    const keyring = new TenantKeyring({ dir, masterKey });
    const key = await keyring.dataKey('stadt-musterhausen');
    expect(key).toHaveLength(32);
    expect(await keyring.dataKey('stadt-musterhausen')).toEqual(key);
    expect(await new TenantKeyring({ dir, masterKey }).dataKey('stadt-musterhausen')).toEqual(key);
    expect(await keyring.dataKey('kreis-beispiel')).not.toEqual(key);
    // the file holds the key wrapped, not in the clear
    const file = await readFile(join(dir, 'stadt-musterhausen.key'));
    expect(file.includes(key)).toBe(false);
  });

  it('agrees on one key when many callers create it at once', async () => {
    const keyrings = Array.from({ length: 8 }, () => new TenantKeyring({ dir, masterKey }));
    const keys = await Promise.all(keyrings.map((k) => k.dataKey('t1')));
    for (const key of keys) expect(key).toEqual(keys[0]);
    expect(await readdir(dir)).toEqual(['t1.key']);
  });

  it('refuses a wrong master key and a key file copied to another tenant', async () => {
    await new TenantKeyring({ dir, masterKey }).dataKey('t1');
    await expect(new TenantKeyring({ dir, masterKey: randomBytes(32) }).dataKey('t1')).rejects.toMatchObject({
      code: ErrorCode.ENCRYPTION,
    });
    await copyFile(join(dir, 't1.key'), join(dir, 't2.key'));
    await expect(new TenantKeyring({ dir, masterKey }).dataKey('t2')).rejects.toMatchObject({
      code: ErrorCode.ENCRYPTION,
    });
  });

  it('destroy erases the key; afterwards findDataKey is empty and dataKey makes a new one', async () => {
    const keyring = new TenantKeyring({ dir, masterKey });
    const old = await keyring.dataKey('t1');
    await keyring.destroy('t1');
    expect(await readdir(dir)).toEqual([]);
    expect(await keyring.findDataKey('t1')).toBeUndefined();
    await keyring.destroy('t1');
    expect(await keyring.dataKey('t1')).not.toEqual(old);
  });

  it('rejects unsafe tenant ids and short master keys', async () => {
    const keyring = new TenantKeyring({ dir, masterKey });
    for (const bad of ['../x', 'A', '', '-x', 'a/b', 'a'.repeat(64)]) {
      await expect(keyring.dataKey(bad)).rejects.toMatchObject({ code: ErrorCode.BAD_REQUEST });
    }
    expect(() => new TenantKeyring({ dir, masterKey: randomBytes(16) })).toThrow(/32 bytes/);
  });
});
