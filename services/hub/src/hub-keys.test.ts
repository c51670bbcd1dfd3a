import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRsaKeyPair, keyIdOf, thumbprintOf } from '@weiche/crypto';
import { loadSigner, rotateSigningKey, signingKeyDir } from './hub-keys.js';

describe('signing keys named by their former 43-character kid (hubs before 1.x)', () => {
  it('--activate with the kid now finds the key, `current` keeps naming its files, and the hub signs under the kid now', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'weiche-hub-keys-'));
    const dir = signingKeyDir(dataDir);
    const pair = await generateRsaKeyPair({ commonName: 'prepared before 1.x', bits: 2048 });
    const former = thumbprintOf(pair.certificatePem);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${former}.cert.pem`), pair.certificatePem);
    await writeFile(join(dir, `${former}.key.pem`), pair.privateKeyPem, { mode: 0o600 });

    const kid = keyIdOf(pair.certificatePem);
    expect(kid).toHaveLength(32);
    await rotateSigningKey(dataDir, { activate: kid });
    expect((await readFile(join(dir, 'current'), 'utf8')).trim()).toBe(former);
    const signer = await loadSigner(dataDir);
    expect(signer.kid).toBe(kid);
    expect((await signer.publicJwks()).map((k) => k.kid)).toContain(kid);
  }, 30_000);
});
