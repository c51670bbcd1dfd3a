import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret } from './sealed-secret.js';
import { TenantKeyring } from './tenant-keyring.js';

async function keyring(): Promise<TenantKeyring> {
  return new TenantKeyring({ dir: await mkdtemp(join(tmpdir(), 'sealed-')), masterKey: randomBytes(32) });
}

describe('sealed secrets', () => {
  const secret = 'a-callback-secret-of-at-least-32-characters';

  it('round-trips and never shows the secret in the sealed text', async () => {
    const ring = await keyring();
    const sealed = await sealSecret(ring, 'testhausen', 'sub-1', secret);
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain(Buffer.from(secret).toString('base64url').slice(0, 20));
    expect((await openSecret(ring, 'testhausen', 'sub-1', sealed)).reveal()).toBe(secret);
  });

  it('does not open for another context, another tenant, or after a change', async () => {
    const ring = await keyring();
    const sealed = await sealSecret(ring, 'testhausen', 'sub-1', secret);
    await expect(openSecret(ring, 'testhausen', 'sub-2', sealed)).rejects.toThrow(/does not open/);
    await ring.dataKey('other');
    await expect(openSecret(ring, 'other', 'sub-1', sealed)).rejects.toThrow(/does not open/);
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[2]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[2] = ct.toString('base64url');
    await expect(openSecret(ring, 'testhausen', 'sub-1', parts.join('.'))).rejects.toThrow(/does not open/);
  });

  it('is unreadable once the tenant key is shredded', async () => {
    const ring = await keyring();
    const sealed = await sealSecret(ring, 'testhausen', 'sub-1', secret);
    await ring.destroy('testhausen');
    await expect(openSecret(ring, 'testhausen', 'sub-1', sealed)).rejects.toMatchObject({ status: 410 });
  });
});
