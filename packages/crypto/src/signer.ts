import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { ErrorCode, WeicheError } from '@weiche/core';
import { signCompactJws } from './jws.js';
import { sameKid } from './key-id.js';
import { publicSigningJwk } from './keys.js';
import type { PublicJwk } from './keys.js';

/** Why an access token was refused; part of the 401 message. */
export type AccessTokenRejectionReason =
  | 'expired'
  | 'invalid signature'
  | 'invalid issuer'
  | 'invalid audience'
  | 'invalid type'
  | 'invalid claims'
  | 'malformed';

/** A refused access token (401, not retryable). */
export class AccessTokenRejectedError extends WeicheError {
  override readonly name = 'AccessTokenRejectedError';
  readonly reason: AccessTokenRejectionReason;

  constructor(reason: AccessTokenRejectionReason, cause?: unknown) {
    super(ErrorCode.UNAUTHORIZED, `access token rejected: ${reason}`, {
      status: 401,
      retryable: false,
      ...(cause === undefined ? {} : { cause }),
    });
    this.reason = reason;
  }
}

function reasonOf(e: unknown): AccessTokenRejectionReason {
  if (e instanceof errors.JWTExpired) return 'expired';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'invalid signature';
  if (e instanceof errors.JWTClaimValidationFailed) {
    switch (e.claim) {
      case 'iss':
        return 'invalid issuer';
      case 'aud':
        return 'invalid audience';
      case 'typ':
        return 'invalid type';
      default:
        return 'invalid claims';
    }
  }
  return 'malformed';
}

/** A signing certificate published beside the current one (the previous key after a rotation, or the next before it). */
export interface PublishedSigningCertificate {
  readonly kid: string;
  readonly certificatePem: string;
}

/**
 * Signs Security Event Tokens and access tokens with PS512 (FIT-Connect, BSI TR-02102) on the crypto pool.
 * `published` lists the other certificates the JWKS carries during a key rotation (read on each call, so a
 * key published by the rotation command is served without a restart): what the previous key signed still
 * verifies, and tokens another replica signed with the next key are accepted.
 */

/** How many verified access tokens are remembered (one per sender client and hour is typical). */
const VERIFIED_TOKENS_MAX = 10_000;

export class JwtSigner {
  readonly kid: string;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #certificatePem: string;
  readonly #published: () => Promise<readonly PublishedSigningCertificate[]>;

  constructor(opts: { privateKeyPem: string; certificatePem: string; kid: string; published?: () => Promise<readonly PublishedSigningCertificate[]> }) {
    this.kid = opts.kid;
    this.#privateKey = createPrivateKey(opts.privateKeyPem);
    this.#publicKey = createPublicKey(opts.certificatePem);
    this.#certificatePem = opts.certificatePem;
    this.#published = opts.published ?? (() => Promise.resolve([]));
  }

  /** Every public signing JWK: the current key first, then the published ones (JWKS during a rotation). */
  async publicJwks(): Promise<PublicJwk[]> {
    const others = (await this.#published()).filter((c) => !sameKid(c.kid, this.kid));
    return [this.publicJwk(), ...others.map((c) => publicSigningJwk({ certificatePem: c.certificatePem, kid: c.kid }))];
  }

  /** The verification key for a kid: the current key, else a published one. */
  private async verificationKey(kid: unknown): Promise<KeyObject> {
    if (kid === undefined || sameKid(kid, this.kid)) return this.#publicKey;
    const other = (await this.#published()).find((c) => sameKid(c.kid, kid));
    return other ? createPublicKey(other.certificatePem) : this.#publicKey;
  }

  /** Access tokens whose signature verified, until their exp (insertion order: the oldest goes first when full). */
  readonly #verified = new Map<string, { clientId: string; scopes: string[]; expiresAtMs: number; issuer: string; audience: string }>();

  /** SET: header { typ: 'secevent+jwt', alg: 'PS512', kid } (RFC 8417 §2.3). */
  async signSet(claims: Record<string, unknown>): Promise<string> {
    return signCompactJws({ typ: 'secevent+jwt', kid: this.kid }, claims, this.#privateKey, 'PS512');
  }

  /** Access token (RFC 9068): header { typ: 'at+jwt', alg: 'PS512', kid }, claims iss, sub, aud, scope, client_id, iat, exp, jti. */
  async signAccessToken(opts: {
    issuer: string;
    audience: string;
    clientId: string;
    scopes: string[];
    ttlSeconds: number;
  }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      scope: opts.scopes.join(' '),
      client_id: opts.clientId,
      iss: opts.issuer,
      sub: opts.clientId,
      aud: opts.audience,
      iat: now,
      exp: now + opts.ttlSeconds,
      jti: randomUUID(),
    };
    return signCompactJws({ typ: 'at+jwt', kid: this.kid }, claims, this.#privateKey, 'PS512');
  }

  /**
   * Verifies signature, typ at+jwt, iss, aud and exp (5 s tolerance); throws AccessTokenRejectedError (401) naming the reason.
   * A sender presents the same token on every call until it expires (and polls its event log with it), so
   * a token that verified once is remembered until its exp: one RSA verification per token, not per request.
   * Only tokens whose signature verified are remembered, so input cannot fill the memory; it is bounded anyway.
   */
  async verifyAccessToken(token: string, opts: { issuer: string; audience: string }): Promise<{ clientId: string; scopes: string[] }> {
    const known = this.#verified.get(token);
    if (known && known.issuer === opts.issuer && known.audience === opts.audience && Date.now() < known.expiresAtMs) {
      return { clientId: known.clientId, scopes: [...known.scopes] };
    }
    this.#verified.delete(token);
    const verified = await this.#verifyAccessToken(token, opts);
    if (this.#verified.size >= VERIFIED_TOKENS_MAX) this.#verified.delete(this.#verified.keys().next().value as string);
    this.#verified.set(token, { ...verified, scopes: [...verified.scopes], ...opts });
    return { clientId: verified.clientId, scopes: verified.scopes };
  }

  async #verifyAccessToken(token: string, opts: { issuer: string; audience: string }): Promise<{ clientId: string; scopes: string[]; expiresAtMs: number }> {
    let payload: Record<string, unknown>;
    try {
      const key = await this.verificationKey(decodeProtectedHeader(token).kid);
      ({ payload } = await jwtVerify(token, key, {
        issuer: opts.issuer,
        audience: opts.audience,
        typ: 'at+jwt',
        algorithms: ['PS512'],
        clockTolerance: 5,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (e) {
      throw new AccessTokenRejectedError(reasonOf(e), e);
    }
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : payload.sub;
    if (typeof clientId !== 'string') throw new AccessTokenRejectedError('invalid claims');
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    // jwtVerify required exp; the same 5 s tolerance as its own check
    return { clientId, scopes: scope.split(' ').filter((s) => s.length > 0), expiresAtMs: (payload.exp as number) * 1000 + 5000 };
  }

  /** The public signing JWK (PS512, verify) for /.well-known/jwks.json. */
  publicJwk(): PublicJwk {
    return publicSigningJwk({ certificatePem: this.#certificatePem, kid: this.kid });
  }
}
