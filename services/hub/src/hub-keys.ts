import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateRsaKeyPair, JwtSigner, keyIdOf } from '@weiche/crypto';
import type { Secret } from '@weiche/core';

async function readOr<T>(file: string, create: () => Promise<T>, read: (text: string) => T | Promise<T>): Promise<T> {
  try {
    return await read(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return create();
  }
}

/**
 * The hub's own signing key (SETs in event logs, access tokens), published at /.well-known/jwks.json.
 * Created on first start under <dataDir>/keys; RSA 4096 with PS512 as FIT-Connect signs.
 */
export async function loadSigner(dataDir: string): Promise<JwtSigner> {
  const dir = join(dataDir, 'keys');
  const keyFile = join(dir, 'hub-signing.key.pem');
  const certFile = join(dir, 'hub-signing.cert.pem');
  const pair = await readOr(
    keyFile,
    async () => {
      const created = await generateRsaKeyPair({ commonName: 'Weiche hub event signing', bits: 4096 });
      await mkdir(dir, { recursive: true });
      // certificate first: a key file on disk always has its certificate beside it
      await writeFile(certFile, created.certificatePem);
      await writeFile(keyFile, created.privateKeyPem, { mode: 0o600 });
      return created;
    },
    async (privateKeyPem) => ({ privateKeyPem, certificatePem: await readFile(certFile, 'utf8') }),
  );
  return new JwtSigner({ ...pair, kid: keyIdOf(pair.certificatePem) });
}

/** The master key that wraps per-tenant data keys: from config, else <dataDir>/keys/master.key (created once). */
export async function loadMasterKey(dataDir: string, configured: Secret | undefined): Promise<Buffer> {
  if (configured) return decodeMasterKey(configured.reveal());
  const dir = join(dataDir, 'keys');
  const file = join(dir, 'master.key');
  return readOr(
    file,
    async () => {
      const key = randomBytes(32);
      await mkdir(dir, { recursive: true });
      await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
        // another process created it first: use theirs
        if (error.code !== 'EEXIST') throw error;
      });
      return decodeMasterKey(await readFile(file, 'utf8'));
    },
    decodeMasterKey,
  );
}

function decodeMasterKey(text: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error('master key must be 32 bytes, base64 encoded');
  return key;
}
