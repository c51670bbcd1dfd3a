import type { KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { WeicheConfig } from '@weiche/config';
import { generateRsaKeyPair, keyIdOf, privateKeyFromPem, publicEncryptionJwk, type PublicJwk } from '@weiche/crypto';

type DestinationConfig = WeicheConfig['destinations'][number];

/** A destination with its key pair loaded: what intake and processing need of it. */
export interface LoadedDestination {
  readonly config: DestinationConfig;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: PublicJwk;
}

async function exists(file: string): Promise<boolean> {
  return readFile(file).then(
    () => true,
    () => false,
  );
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
    const [privateKeyPem, certificatePem] = await Promise.all([readFile(privateKeyFile, 'utf8'), readFile(certificateFile, 'utf8')]);
    const kid = keyIdOf(certificatePem);
    loaded.set(config.id, {
      config,
      kid,
      privateKey: privateKeyFromPem(privateKeyPem),
      publicJwk: publicEncryptionJwk({ certificatePem, kid }),
    });
  }
  return loaded;
}
