import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateRsaKeyPair, JwtSigner, keyIdOf, sameKid, type PublishedSigningCertificate } from '@weiche/crypto';
import type { Secret } from '@weiche/core';

async function readOr<T>(file: string, create: () => Promise<T>, read: (text: string) => T | Promise<T>): Promise<T> {
  try {
    return await read(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return create();
  }
}

/** Where rotated signing keys live: `<kid>.key.pem`, `<kid>.cert.pem`, and `current` naming the kid in use. */
export function signingKeyDir(dataDir: string): string {
  return join(dataDir, 'keys', 'signing');
}

const PUBLISHED_CACHE_MS = 5000;

/**
 * The hub's own signing key (SETs in event logs, access tokens), published at /.well-known/jwks.json.
 * Created on first start as <dataDir>/keys/hub-signing.key.pem; RSA 4096 with PS512 as FIT-Connect signs.
 * After a rotation (`weiche keys rotate signing`), <dataDir>/keys/signing/current names the key in use, and
 * every certificate in that folder (and the first key's) stays in the JWKS until an operator removes it:
 * SETs signed before the rotation verify against the published JWKS.
 */
export async function loadSigner(dataDir: string): Promise<JwtSigner> {
  const dir = join(dataDir, 'keys');
  const keyFile = join(dir, 'hub-signing.key.pem');
  const certFile = join(dir, 'hub-signing.cert.pem');
  const rotated = await currentSigningKid(dataDir);
  const pair = rotated
    ? { privateKeyPem: await readFile(join(signingKeyDir(dataDir), `${rotated}.key.pem`), 'utf8'), certificatePem: await readFile(join(signingKeyDir(dataDir), `${rotated}.cert.pem`), 'utf8') }
    : await readOr(
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
  let cache: { at: number; certs: Promise<PublishedSigningCertificate[]> } | undefined;
  const published = (): Promise<PublishedSigningCertificate[]> => {
    // read again every few seconds: a key the rotation command publishes is served without a restart
    if (!cache || Date.now() - cache.at > PUBLISHED_CACHE_MS) cache = { at: Date.now(), certs: publishedSigningCertificates(dataDir) };
    return cache.certs;
  };
  return new JwtSigner({ ...pair, kid: keyIdOf(pair.certificatePem), published });
}

async function currentSigningKid(dataDir: string): Promise<string | undefined> {
  return readOr(join(signingKeyDir(dataDir), 'current'), async () => undefined, (text) => text.trim() || undefined);
}

/** Every signing certificate on disk: the first key's and all in keys/signing/. */
export async function publishedSigningCertificates(dataDir: string): Promise<PublishedSigningCertificate[]> {
  const files = [join(dataDir, 'keys', 'hub-signing.cert.pem')];
  const dir = signingKeyDir(dataDir);
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  files.push(...names.filter((n) => n.endsWith('.cert.pem')).sort().map((n) => join(dir, n)));
  const certs: PublishedSigningCertificate[] = [];
  for (const file of files) {
    const pem = await readOr(file, async () => undefined, (text) => text);
    if (pem) certs.push({ kid: keyIdOf(pem), certificatePem: pem });
  }
  return certs;
}

/**
 * Signing key rotation in two steps, without downtime. `prepare` creates the next key in keys/signing/ —
 * every running replica publishes it within seconds (the JWKS reads the folder) but keeps signing with
 * its key. `activate` makes it current (an atomic rename of `current`); each replica signs with it from its
 * next (rolling) restart. Old certificates stay published until an operator deletes them.
 */
export async function rotateSigningKey(dataDir: string, step: { prepare: true } | { activate: string }): Promise<{ kid: string }> {
  const dir = signingKeyDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if ('prepare' in step) {
    const created = await generateRsaKeyPair({ commonName: 'Weiche hub event signing', bits: 4096 });
    const kid = keyIdOf(created.certificatePem);
    await writeFile(join(dir, `${kid}.key.pem`), created.privateKeyPem, { mode: 0o600, flag: 'wx' });
    await writeFile(join(dir, `${kid}.cert.pem`), created.certificatePem, { flag: 'wx' });
    return { kid };
  }
  const kid = await keyFileStem(dir, step.activate);
  // both halves must be there before `current` names them
  await readFile(join(dir, `${kid}.key.pem`));
  await readFile(join(dir, `${kid}.cert.pem`));
  const tmp = join(dir, `.current.${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, `${kid}\n`);
  await rename(tmp, join(dir, 'current'));
  return { kid };
}

/** The name of a key's files in keys/signing/: a key prepared before 1.x is named by its former 43-character kid; either form finds it. */
async function keyFileStem(dir: string, kid: string): Promise<string> {
  const suffix = '.key.pem';
  const stems = (await readdir(dir)).filter((n) => n.endsWith(suffix)).map((n) => n.slice(0, -suffix.length));
  return stems.includes(kid) ? kid : (stems.find((stem) => sameKid(stem, kid)) ?? kid);
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

export function decodeMasterKey(text: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error('master key must be 32 bytes, base64 encoded');
  return key;
}
