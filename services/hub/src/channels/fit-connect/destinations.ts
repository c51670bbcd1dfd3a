import type { KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { WeicheConfig } from '@weiche/config';
import { generateRsaKeyPair, keyIdOf, privateKeyFromPem, publicEncryptionJwk, type PublicJwk } from '@weiche/crypto';

type DestinationConfig = WeicheConfig['destinations'][number];

/** A destination with its key pairs loaded: what intake and processing need of it. */
export interface LoadedDestination {
  readonly config: DestinationConfig;
  /** The key senders are told to encrypt to (published as encryptionKid). */
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: PublicJwk;
  /** Every key that still opens submissions, by kid: the current one and `keys.decryptOnly` (a rotation's other half). */
  readonly privateKeys: ReadonlyMap<string, KeyObject>;
  /**
   * Public keys of those, by kid: served at /keys/{kid}, so a sender told the new kid by one replica finds it
   * at another that holds it as decryptOnly during a rolling rotation.
   */
  readonly publicJwks: ReadonlyMap<string, PublicJwk>;
  /** Certificates of those keys, by kid (for expiry warnings). */
  readonly certificates: ReadonlyMap<string, string>;
}

async function exists(file: string): Promise<boolean> {
  return readFile(file).then(
    () => true,
    () => false,
  );
}

async function readPair(files: { privateKeyFile: string; certificateFile: string }): Promise<{ kid: string; privateKey: KeyObject; certificatePem: string }> {
  const [privateKeyPem, certificatePem] = await Promise.all([readFile(files.privateKeyFile, 'utf8'), readFile(files.certificateFile, 'utf8')]);
  return { kid: keyIdOf(certificatePem), privateKey: privateKeyFromPem(privateKeyPem), certificatePem };
}

/** Loads (or, where `generate` is set and nothing exists yet, creates) the encryption key pair of each destination. */
export async function loadDestinations(destinations: readonly DestinationConfig[]): Promise<Map<string, LoadedDestination>> {
  const loaded = new Map<string, LoadedDestination>();
  for (const config of destinations) {
    const { privateKeyFile, certificateFile, generate } = config.keys;
    if (generate && !(await exists(privateKeyFile))) {
      const pair = await generateRsaKeyPair({ commonName: `Weiche destination ${config.id}`, bits: 4096 });
      await mkdir(dirname(privateKeyFile), { recursive: true });
      await mkdir(dirname(certificateFile), { recursive: true });
      await writeFile(privateKeyFile, pair.privateKeyPem, { mode: 0o600 });
      await writeFile(certificateFile, pair.certificatePem);
    }
    const current = await readPair({ privateKeyFile, certificateFile });
    const others = await Promise.all(config.keys.decryptOnly.map(readPair));
    const all = [current, ...others];
    loaded.set(config.id, {
      config,
      kid: current.kid,
      privateKey: current.privateKey,
      publicJwk: publicEncryptionJwk({ certificatePem: current.certificatePem, kid: current.kid }),
      privateKeys: new Map(all.map((p) => [p.kid, p.privateKey])),
      publicJwks: new Map(all.map((p) => [p.kid, publicEncryptionJwk({ certificatePem: p.certificatePem, kid: p.kid })])),
      certificates: new Map(all.map((p) => [p.kid, p.certificatePem])),
    });
  }
  return loaded;
}
