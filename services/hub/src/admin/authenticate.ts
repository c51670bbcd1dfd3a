import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { SecretValue, WeicheConfig } from '@weiche/config';
import { ErrorCode, Secret, WeicheError } from '@weiche/core';
import { bearerToken } from '../gateway/authorization-header.js';
import { httpProblem } from '../gateway/problems.js';
import type { AdminRole, Principal } from './principal.js';

type AdminConfig = WeicheConfig['admin'];
type OidcConfig = NonNullable<AdminConfig['oidc']>;

/** Highest privilege first: a token that carries several roles acts with the first it has. */
const ROLE_ORDER: readonly AdminRole[] = ['operator', 'tenant-admin', 'auditor'];

/** Reads an inline secret or a `{ file }` (relative paths resolve against the working directory). */
export function resolveSecret(value: SecretValue): Secret {
  if (typeof value === 'string') return new Secret(value);
  return new Secret(readConfigFile(value.file, 'admin secret file').trim());
}

function readConfigFile(file: string, what: string): string {
  try {
    return readFileSync(resolve(file), 'utf8');
  } catch (error) {
    // the path is not secret; the content would be
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `cannot read ${what} ${resolve(file)}`, { cause: error });
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function claimAt(payload: JWTPayload, path: string): unknown {
  let node: unknown = payload;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function scopeOf(role: AdminRole, tenants: readonly string[]): Principal['tenants'] {
  if (role === 'operator') return 'all';
  // an auditor without listed tenants audits every tenant; a tenant-admin always has a list
  if (role === 'auditor' && tenants.length === 0) return 'all';
  return new Set(tenants);
}

interface StaticToken {
  readonly digest: Buffer;
  readonly principal: Principal;
}

/** Verifies admin bearer tokens: static API tokens from config, or OIDC JWTs (e.g. from Keycloak). */
export class AdminAuthenticator {
  private readonly tokens: StaticToken[];
  private readonly oidc: { config: OidcConfig; keys: JWTVerifyGetKey } | undefined;

  constructor(config: AdminConfig) {
    // compared by SHA-256 digest: equal length for timingSafeEqual, and no plaintext kept around
    this.tokens = config.tokens.map((t) => ({
      digest: digest(resolveSecret(t.token).reveal()),
      principal: { subject: t.subject, role: t.role, tenants: scopeOf(t.role, t.tenants) },
    }));
    if (config.oidc) {
      const o = config.oidc;
      const keys = o.jwksUrl !== undefined ? createRemoteJWKSet(new URL(o.jwksUrl)) : createLocalJWKSet(JSON.parse(readConfigFile(o.jwksFile ?? '', 'admin.oidc.jwksFile')) as Parameters<typeof createLocalJWKSet>[0]);
      this.oidc = { config: o, keys };
    }
  }

  /** Returns the principal of an `Authorization: Bearer …` header; 401 when missing or not valid. */
  async authenticate(header: string | undefined): Promise<Principal> {
    const token = bearerToken(header);
    if (!token) throw httpProblem(401, ErrorCode.UNAUTHORIZED, 'a bearer token is required');
    const given = digest(token);
    let found: Principal | undefined;
    for (const candidate of this.tokens) {
      // every candidate is compared, so the time does not tell which one matched
      if (timingSafeEqual(given, candidate.digest)) found = candidate.principal;
    }
    if (found) return found;
    if (this.oidc && token.split('.').length === 3) return this.verifyJwt(token, this.oidc);
    throw httpProblem(401, ErrorCode.UNAUTHORIZED, 'unknown or invalid token');
  }

  private async verifyJwt(token: string, oidc: { config: OidcConfig; keys: JWTVerifyGetKey }): Promise<Principal> {
    let payload: JWTPayload;
    try {
      // exp required: jose checks it only when present, and a token without one would never expire (RFC 9068 §2.2 requires it)
      ({ payload } = await jwtVerify(token, oidc.keys, { issuer: oidc.config.issuer, audience: oidc.config.audience, requiredClaims: ['exp'] }));
    } catch {
      throw httpProblem(401, ErrorCode.UNAUTHORIZED, 'the token is not valid (signature, issuer, audience or expiry)');
    }
    const subject = claimAt(payload, oidc.config.subjectClaim);
    if (typeof subject !== 'string' || subject.length === 0) throw httpProblem(401, ErrorCode.UNAUTHORIZED, 'the token names no subject');
    const roles = strings(claimAt(payload, oidc.config.roleClaim));
    const role = ROLE_ORDER.find((r) => roles.includes(r));
    if (!role) throw httpProblem(403, ErrorCode.FORBIDDEN, 'the token carries no admin role');
    const tenants = strings(claimAt(payload, oidc.config.tenantsClaim));
    if (role === 'tenant-admin' && tenants.length === 0) throw httpProblem(403, ErrorCode.FORBIDDEN, 'a tenant-admin token must name its tenants');
    return { subject, role, tenants: scopeOf(role, tenants) };
  }
}
