import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BlockList, isIPv4 } from 'node:net';
import { resolve } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { XtaConfig, XtaIdentityConfig } from '@weiche/config';
import { constantTimeEqual, ErrorCode, Secret, WeicheError } from '@weiche/core';
import { xtaError } from '@weiche/xta';
import { bearerToken } from '../../gateway/authorization-header.js';

/** A configured XTA caller with its token resolved. */
export interface XtaIdentity {
  readonly identifier: string;
  readonly kind: XtaIdentityConfig['kind'];
  readonly tenant?: string;
  readonly certificateSha256?: string;
  readonly token?: Secret;
}

function readToken(value: NonNullable<XtaIdentityConfig['token']>, where: string): Secret {
  if (typeof value === 'string') return new Secret(value);
  try {
    return new Secret(readFileSync(resolve(value.file), 'utf8').trim());
  } catch (error) {
    // the file name is not secret; its content would be
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `${where}: cannot read token file ${value.file}`, { cause: error });
  }
}

/** Resolves the configured identities (token files read once at start). */
export function loadIdentities(config: XtaConfig): XtaIdentity[] {
  const seen = new Set<string>();
  return config.identities.map((i, n) => {
    if (seen.has(i.identifier)) throw new WeicheError(ErrorCode.CONFIG_INVALID, `xta.identities.${n}: duplicate identifier ${i.identifier}`);
    seen.add(i.identifier);
    return {
      identifier: i.identifier,
      kind: i.kind,
      ...(i.tenant ? { tenant: i.tenant } : {}),
      ...(i.certificateSha256 ? { certificateSha256: i.certificateSha256 } : {}),
      ...(i.token ? { token: readToken(i.token, `xta.identities.${n}.token`) } : {}),
    };
  });
}

function fingerprintOfPem(pem: string): string | undefined {
  try {
    return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
  } catch {
    return undefined;
  }
}

/** One BlockList per configured list (the config object lives as long as the hub). */
const proxyLists = new WeakMap<readonly string[], BlockList>();

function isTrustedProxy(address: string | undefined, trusted: readonly string[]): boolean {
  if (address === undefined) return false;
  let list = proxyLists.get(trusted);
  if (!list) {
    list = new BlockList();
    for (const entry of trusted) {
      const [net = '', prefix] = entry.split('/');
      const type = isIPv4(net) ? 'ipv4' : 'ipv6';
      list.addSubnet(net, prefix === undefined ? (type === 'ipv4' ? 32 : 128) : Number(prefix), type);
    }
    proxyLists.set(trusted, list);
  }
  // an IPv4 peer on a dual-stack socket reads ::ffff:a.b.c.d; BlockList matches it against IPv4 blocks too
  return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}

/** SHA-256 of the caller's certificate: from the hub's own TLS (verified by it) or the trusted proxy's header. */
function certificateFingerprint(request: FastifyRequest, auth: XtaConfig['auth']): string | undefined {
  if (auth.modes.includes('tls')) {
    const socket = request.raw.socket as Partial<TLSSocket>;
    if (socket.encrypted && socket.authorized && typeof socket.getPeerCertificate === 'function') {
      const raw = socket.getPeerCertificate().raw as Buffer | undefined;
      if (raw && raw.length > 0) return createHash('sha256').update(raw).digest('hex');
    }
  }
  if (auth.modes.includes('proxy-header')) {
    const header = request.headers[auth.proxyHeader.toLowerCase()];
    const value = Array.isArray(header) ? header[0] : header;
    if (value) {
      // the peer of the TCP connection, not X-Forwarded-For: only the proxy itself may vouch for a certificate
      if (!isTrustedProxy(request.raw.socket.remoteAddress, auth.trustedProxies)) {
        throw xtaError('ACCOUNT_UNKNOWN', `the client certificate header ${auth.proxyHeader} is only accepted from a trusted proxy (xta.auth.trustedProxies)`);
      }
      if (auth.proxyHeaderFormat === 'sha256') return value.replace(/:/g, '').toLowerCase();
      // nginx ($ssl_client_escaped_cert) and others URL-encode the PEM
      return fingerprintOfPem(decodeURIComponent(value));
    }
  }
  return undefined;
}

/**
 * Maps a request to its identity (xta-osci.md: TLS client certificate in production, configured bearer
 * token in tests and the demo). No or an unknown credential is PermissionDenied 9012.
 */
export function authenticateIdentity(request: FastifyRequest, identities: readonly XtaIdentity[], auth: XtaConfig['auth']): XtaIdentity {
  if (auth.modes.includes('token')) {
    const given = bearerToken(request.headers.authorization);
    if (given) {
      const found = identities.find((i) => i.token !== undefined && constantTimeEqual(given, i.token.reveal()));
      if (found) return found;
      throw xtaError('ACCOUNT_UNKNOWN', 'the bearer token belongs to no XTA identity');
    }
  }
  const fingerprint = certificateFingerprint(request, auth);
  if (fingerprint) {
    const found = identities.find((i) => i.certificateSha256 === fingerprint);
    if (found) return found;
    throw xtaError('ACCOUNT_UNKNOWN', 'the client certificate belongs to no XTA identity');
  }
  throw xtaError('ACCOUNT_UNKNOWN', 'no credentials: a client certificate or a bearer token is required');
}
