/**
 * How a FIT-Connect sender checks the SETs of its event log (docs.fitko.de "SET Prüfung"; the set-payload schema),
 * written with `jose` and `fetch` only: the delivery service's events (create-, submit-submission) carry its base URL
 * as `iss` and verify with its JWKS (`/.well-known/jwks.json`); the subscriber's (accept-, reject-submission) carry
 * the destinationId as `iss` and verify with the key the SET's `kid` names at `GET /v1/destinations/{id}/keys/{kid}`.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';

const SUBSCRIBER_EVENTS = new Set(['accept-submission', 'reject-submission']);
// "SET Prüfung": `$schema`, where given (optional for now), names a SET-payload schema; the sender validates against it
const SET_PAYLOAD_SCHEMA = /^https:\/\/schema\.fitko\.de\/fit-connect\/set-payload\/1\.\d+\.\d+\/set-payload\.schema\.json$/;

export interface VerifiedEvent {
  readonly event: string;
  readonly iss: unknown;
  readonly payload: Record<string, unknown>;
}

async function keyOf(url: string, kid: string): Promise<JWK> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} → ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as JWK & { keys?: JWK[] };
  const jwk = body.keys ? body.keys.find((k) => k.kid === kid) : body;
  if (!jwk || jwk.kid !== kid) throw new Error(`${url} has no key ${kid}`);
  return jwk;
}

/** Verifies each SET as its issuer's (throws naming the first that fails); returns event names, issuers and payloads. */
export async function verifyEventLog(baseUrl: string, destinationId: string, tokens: readonly string[]): Promise<VerifiedEvent[]> {
  const verified: VerifiedEvent[] = [];
  for (const token of tokens) {
    const header = decodeProtectedHeader(token);
    const claims = decodeJwt(token) as { $schema?: unknown; iss?: unknown; events?: Record<string, Record<string, unknown>> };
    const [uri, payload] = Object.entries(claims.events ?? {})[0] ?? [];
    const event = uri?.split('/').pop() ?? '?';
    if (header.typ !== 'secevent+jwt' || header.alg !== 'PS512' || typeof header.kid !== 'string') throw new Error(`${event}: header ${JSON.stringify(header)}`);
    const bySubscriber = SUBSCRIBER_EVENTS.has(event);
    const url = bySubscriber ? `${baseUrl}/v1/destinations/${destinationId}/keys/${encodeURIComponent(header.kid)}` : `${baseUrl}/.well-known/jwks.json`;
    const jwk = await keyOf(url, header.kid);
    if (jwk.alg !== 'PS512' || !jwk.key_ops?.includes('verify')) throw new Error(`${event}: ${url} gives no PS512 verification key (${JSON.stringify({ alg: jwk.alg, key_ops: jwk.key_ops })})`);
    const { key_ops: _ops, ...publicKey } = jwk;
    await compactVerify(token, await importJWK(publicKey, 'PS512'));
    if (claims.$schema !== undefined && (typeof claims.$schema !== 'string' || !SET_PAYLOAD_SCHEMA.test(claims.$schema))) throw new Error(`${event}: $schema ${String(claims.$schema)}`);
    if (bySubscriber && claims.iss !== destinationId) throw new Error(`${event}: iss ${String(claims.iss)}, expected the destinationId ${destinationId}`);
    verified.push({ event, iss: claims.iss, payload: payload ?? {} });
  }
  return verified;
}
