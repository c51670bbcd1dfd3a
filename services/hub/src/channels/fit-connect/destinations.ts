import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { WeicheConfig } from '@weiche/config';
import { ErrorCode, WeicheError } from '@weiche/core';
import { generateRsaKeyPair, keyIdOf, privateKeyFromPem, publicEncryptionJwk, type PublicJwk } from '@weiche/crypto';

type DestinationConfig = WeicheConfig['destinations'][number];

/** A destination with its key pairs loaded: what intake and processing need of it. */
export interface LoadedDestination {
  readonly config: DestinationConfig;
  /** The key senders are told to encrypt to (published as encryptionKid). */
  readonly kid: string;
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
  /** A relay destination (no private keys here): the public keys its subscriber signs its answers (SETs) with. */
  readonly relay?: { readonly signatureKeys: { readonly keys: readonly PublicJwk[] } };
}

/** Reads a JSON file, naming the file (never its content) when it is not JSON. */
async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (error) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `${what} ${file}: ${(error as Error).message}`);
  }
}

/** A public RSA JWK with a kid, as a sender gets it from GET key (a private part is refused: it does not belong here). */
function publicRsaJwk(value: unknown, what: string, use: 'enc' | 'sig'): PublicJwk {
  const jwk = value as Partial<PublicJwk> & { d?: unknown };
  if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'RSA' || typeof jwk.kid !== 'string' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `${what}: an RSA JWK with kid, n and e expected`);
  }
  if (jwk.d !== undefined) throw new WeicheError(ErrorCode.CONFIG_INVALID, `${what}: holds a private key; give the public key only`);
  const bits = (createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }).asymmetricKeyDetails?.modulusLength ?? 0);
  if (use === 'enc' && bits < 4096) throw new WeicheError(ErrorCode.CONFIG_INVALID, `${what}: FIT-Connect encryption keys have 4096 bits, this one ${bits}`);
  const alg = use === 'enc' ? 'RSA-OAEP-256' : 'PS512';
  if (jwk.alg !== undefined && jwk.alg !== alg) throw new WeicheError(ErrorCode.CONFIG_INVALID, `${what}: alg ${jwk.alg}, expected ${alg}`);
  return {
    kty: 'RSA',
    kid: jwk.kid,
    alg,
    use,
    key_ops: use === 'enc' ? ['wrapKey'] : ['verify'],
    n: jwk.n,
    e: jwk.e,
    ...(Array.isArray(jwk.x5c) ? { x5c: jwk.x5c } : {}),
  };
}

async function loadRelay(config: DestinationConfig, relay: NonNullable<DestinationConfig['relay']>): Promise<LoadedDestination> {
  const what = `destination ${config.id}`;
  const publicJwk = publicRsaJwk(await readJson(relay.encryptionKeyFile, `${what} relay.encryptionKeyFile`), `${what} relay.encryptionKeyFile`, 'enc');
  const jwks = (await readJson(relay.signatureKeysFile, `${what} relay.signatureKeysFile`)) as { keys?: unknown };
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new WeicheError(ErrorCode.CONFIG_INVALID, `${what} relay.signatureKeysFile: a JWKS with keys expected`);
  const signatureKeys = jwks.keys.map((k, i) => publicRsaJwk(k, `${what} relay.signatureKeysFile keys.${i}`, 'sig'));
  return {
    config,
    kid: publicJwk.kid,
    publicJwk,
    privateKeys: new Map(),
    publicJwks: new Map([[publicJwk.kid, publicJwk]]),
    certificates: new Map(),
    relay: { signatureKeys: { keys: signatureKeys } },
  };
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
    if (config.relay) {
      loaded.set(config.id, await loadRelay(config, config.relay));
      continue;
    }
    if (!config.keys) throw new WeicheError(ErrorCode.CONFIG_INVALID, `destination ${config.id} has neither keys nor relay`);
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
      publicJwk: publicEncryptionJwk({ certificatePem: current.certificatePem, kid: current.kid }),
      privateKeys: new Map(all.map((p) => [p.kid, p.privateKey])),
      publicJwks: new Map(all.map((p) => [p.kid, publicEncryptionJwk({ certificatePem: p.certificatePem, kid: p.kid })])),
      certificates: new Map(all.map((p) => [p.kid, p.certificatePem])),
    });
  }
  return loaded;
}
