import { generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { promisify } from 'node:util';
import type * as Forge from 'node-forge';
import type { XtaReaderConfig } from '@weiche/config';
import { ErrorCode, WeicheError } from '@weiche/core';
import { openOsciKeystore, type OsciKeystore } from '@weiche/crypto';

// node-forge is CommonJS without ESM named exports
const forge = createRequire(import.meta.url)('node-forge') as typeof Forge;

/** A reader the hub opens messages for, with its opened keystore. */
export interface LoadedReader {
  readonly config: XtaReaderConfig;
  readonly keystore: OsciKeystore;
  /** Encryption certificate senders encrypt to (the keystore's first entry). */
  readonly certificatePem: string;
  /** The same certificate as DER, decoded once at load: lookupService hands it out per entry of every request. */
  readonly certificateDer: Buffer;
}

function abs(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

async function exists(file: string): Promise<boolean> {
  try {
    await readFile(file);
    return true;
  } catch {
    return false;
  }
}

/** Creates a self-signed RSA-3072 certificate for the reader and writes it as PKCS#12 plus a password file (demo/tests). */
async function generateKeystore(reader: XtaReaderConfig): Promise<void> {
  // node:crypto generates natively (forge's pure-JS generator takes seconds)
  const pair = await promisify(generateKeyPair)('rsa', {
    modulusLength: 3072,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const keys = { privateKey: forge.pki.privateKeyFromPem(pair.privateKey), publicKey: forge.pki.publicKeyFromPem(pair.publicKey) };
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(15));
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3 * 365 * 86_400_000);
  const subject = [
    { shortName: 'C', value: 'DE' },
    { shortName: 'O', value: 'Weiche (generated)' },
    { shortName: 'CN', value: reader.identifier.slice(0, 64) },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', keyEncipherment: true, dataEncipherment: true, digitalSignature: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const password = randomBytes(24).toString('base64url');
  const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], password, { algorithm: 'aes256' });
  const der = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
  const p12File = abs(reader.keystore.pkcs12File);
  const passwordFile = abs(reader.keystore.passwordFile);
  await mkdir(dirname(p12File), { recursive: true });
  await mkdir(dirname(passwordFile), { recursive: true });
  await writeFile(passwordFile, password + '\n', { mode: 0o600 });
  await writeFile(p12File, der, { mode: 0o600 });
}

/** Opens (or, with `generate`, first creates) every reader's PKCS#12 keystore; the password comes from its file. */
export async function loadReaders(readers: readonly XtaReaderConfig[]): Promise<Map<string, LoadedReader>> {
  const loaded = new Map<string, LoadedReader>();
  for (const reader of readers) {
    const p12File = abs(reader.keystore.pkcs12File);
    if (reader.generate && !(await exists(p12File))) await generateKeystore(reader);
    let pkcs12: Buffer;
    let password: string;
    try {
      pkcs12 = await readFile(p12File);
      password = (await readFile(abs(reader.keystore.passwordFile), 'utf8')).replace(/\r?\n$/, '');
    } catch (error) {
      throw new WeicheError(ErrorCode.CONFIG_INVALID, `xta.readers: keystore or password file of reader ${reader.identifier} cannot be read`, { cause: error });
    }
    const keystore = openOsciKeystore({ pkcs12, password });
    const first = keystore.entries[0];
    if (!first) throw new WeicheError(ErrorCode.CONFIG_INVALID, `xta.readers: keystore of reader ${reader.identifier} is empty`);
    loaded.set(reader.identifier, { config: reader, keystore, certificatePem: first.certificatePem, certificateDer: new X509Certificate(first.certificatePem).raw });
  }
  return loaded;
}
