import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { CompactSign, compactVerify, type JWK } from 'jose';
import { ErrorCode, WeicheError } from '@weiche/core';

/**
 * The hub's evidence key: an EC P-256 key pair (ES256, BSI TR-02102-1) that signs audit checkpoints as
 * JWS, so anyone with the public key can check them offline, and from whose private half the key of the
 * per-record HMAC-SHA-256 is derived (HKDF), so one PEM file per key id is all there is to keep.
 * Whoever lacks the private key (a database owner) can neither sign a checkpoint nor compute a record MAC.
 */
export const EVIDENCE_ALG = 'ES256';
const MAC_SALT = 'weiche-evidence-v1';

/** A checkpoint (or other evidence) whose signature does not hold; not retryable. */
export class EvidenceSignatureError extends WeicheError {
  override readonly name = 'EvidenceSignatureError';

  constructor(message: string, cause?: unknown) {
    super(ErrorCode.BAD_REQUEST, message, { retryable: false, ...(cause === undefined ? {} : { cause }) });
  }
}

/** A new evidence key as PKCS#8 PEM (EC P-256). */
export function generateEvidenceKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** One evidence key; `kid` is the RFC 7638 thumbprint of its public JWK, so it names the key itself. */
export class EvidenceKey {
  readonly kid: string;
  readonly publicJwk: JWK;
  readonly #privateKey: KeyObject | undefined;
  readonly #publicKey: KeyObject;
  readonly #macKey: Buffer | undefined;

  private constructor(kid: string, publicJwk: JWK, publicKey: KeyObject, privateKey?: KeyObject) {
    this.kid = kid;
    this.publicJwk = publicJwk;
    this.#publicKey = publicKey;
    this.#privateKey = privateKey;
    if (privateKey) {
      const d = privateKey.export({ format: 'jwk' }).d;
      if (!d) throw new WeicheError(ErrorCode.CONFIG_INVALID, 'evidence key: no private scalar');
      this.#macKey = Buffer.from(hkdfSync('sha256', Buffer.from(d, 'base64url'), MAC_SALT, `audit-record-mac:${kid}`, 32));
    }
  }

  /** From a private key PEM (the hub); signs and MACs. */
  static fromPrivatePem(pem: string): EvidenceKey {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(pem);
    } catch (error) {
      throw new WeicheError(ErrorCode.CONFIG_INVALID, 'evidence key: not a readable private key PEM', { cause: error });
    }
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new WeicheError(ErrorCode.CONFIG_INVALID, 'evidence key: an EC P-256 private key is required (ES256)');
    }
    return EvidenceKey.of(createPublicKey(privateKey), privateKey);
  }

  /** From a public key PEM (a third party); verifies checkpoints only. */
  static fromPublicPem(pem: string): EvidenceKey {
    return EvidenceKey.of(createPublicKey(pem));
  }

  private static of(publicKey: KeyObject, privateKey?: KeyObject): EvidenceKey {
    const { crv, x, y } = publicKey.export({ format: 'jwk' });
    if (crv !== 'P-256' || !x || !y) throw new WeicheError(ErrorCode.CONFIG_INVALID, 'evidence key: an EC P-256 key is required (ES256)');
    // RFC 7638 thumbprint: the required members in lexicographic order, no whitespace
    const kid = createHash('sha256').update(JSON.stringify({ crv, kty: 'EC', x, y })).digest('base64url');
    return new EvidenceKey(kid, { kty: 'EC', crv, x, y, kid, alg: EVIDENCE_ALG, use: 'sig' }, publicKey, privateKey);
  }

  /** SPKI PEM of the public key, for auditors who verify checkpoints offline. */
  publicPem(): string {
    return this.#publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** HMAC-SHA-256 (hex) of `data` with this key's record-MAC key. */
  mac(data: string): string {
    if (!this.#macKey) throw new WeicheError(ErrorCode.INTERNAL, `evidence key ${this.kid}: public key only, cannot MAC`);
    return createHmac('sha256', this.#macKey).update(data).digest('hex');
  }

  /** Compact JWS (ES256, kid, typ) over the JSON payload. */
  async sign(payload: Record<string, unknown>, typ: string): Promise<string> {
    if (!this.#privateKey) throw new WeicheError(ErrorCode.INTERNAL, `evidence key ${this.kid}: public key only, cannot sign`);
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: EVIDENCE_ALG, kid: this.kid, typ })
      .sign(this.#privateKey);
  }

  /** The key object that verifies this key's signatures. */
  get verificationKey(): KeyObject {
    return this.#publicKey;
  }
}

/**
 * The current evidence key plus the retired ones: new records and checkpoints use the current key;
 * records and checkpoints name their kid, so what an older key made still verifies after a rotation.
 */
export class EvidenceKeyring {
  readonly current: EvidenceKey;
  readonly #byKid: ReadonlyMap<string, EvidenceKey>;

  constructor(current: EvidenceKey, retired: readonly EvidenceKey[] = []) {
    this.current = current;
    this.#byKid = new Map([...retired, current].map((k) => [k.kid, k]));
  }

  get currentKid(): string {
    return this.current.kid;
  }

  /** Every key, current last. */
  get keys(): EvidenceKey[] {
    return [...this.#byKid.values()];
  }

  get(kid: string): EvidenceKey | undefined {
    return this.#byKid.get(kid);
  }

  /** HMAC of `data` with the key `kid`; undefined when that key is not in the ring. */
  mac(kid: string, data: string): string | undefined {
    return this.#byKid.get(kid)?.mac(data);
  }

  /** True when `mac` is the MAC of `data` under `kid` (constant-time compare). */
  checkMac(kid: string, data: string, mac: string): boolean {
    const expected = this.mac(kid, data);
    if (expected === undefined || expected.length !== mac.length) return false;
    return timingSafeEqual(Buffer.from(expected), Buffer.from(mac));
  }

  /** Signs with the current key. */
  sign(payload: Record<string, unknown>, typ: string): Promise<string> {
    return this.current.sign(payload, typ);
  }

  /** Verifies a compact JWS made by any key of the ring (ES256 only, typ checked); throws EvidenceSignatureError. */
  async verify(jws: string, typ: string): Promise<{ kid: string; payload: unknown }> {
    let kid = '';
    try {
      const { payload, protectedHeader } = await compactVerify(
        jws,
        (header) => {
          kid = header.kid ?? '';
          const key = this.#byKid.get(kid);
          if (!key) throw new EvidenceSignatureError(`signed by unknown evidence key "${kid}"`);
          return key.verificationKey;
        },
        { algorithms: [EVIDENCE_ALG] },
      );
      if (protectedHeader.typ !== typ) throw new EvidenceSignatureError(`typ "${String(protectedHeader.typ)}" where "${typ}" was expected`);
      return { kid, payload: JSON.parse(new TextDecoder().decode(payload)) as unknown };
    } catch (error) {
      if (error instanceof EvidenceSignatureError) throw error;
      throw new EvidenceSignatureError(`signature invalid${kid ? ` (kid ${kid})` : ''}`, error);
    }
  }
}
