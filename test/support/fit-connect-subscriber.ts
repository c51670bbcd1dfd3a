/**
 * A FIT-Connect subscriber written from the Submission API's OpenAPI with plain `fetch` and `jose` only — not
 * this repository's packages — that picks up from a hub's relay destination, decrypts with its own keys and
 * answers with signed SETs (docs/relay-destinations.md). Its token request is the OAuth grant the test sender makes
 * too (client-credentials.ts, plain `fetch`).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compactDecrypt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { clientCredentialsToken } from './client-credentials.js';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const EVENT = (name: string): string => `https://schema.fitko.de/fit-connect/events/${name}`;

/** The subscriber's key pairs: RSA-OAEP-256 (4096) to decrypt, PS512 to sign; public parts written as the hub's config reads them. */
export interface SubscriberKeys {
  readonly decryptionKey: PrivateKey;
  readonly signingKey: PrivateKey;
  readonly signingKid: string;
  readonly encryptionJwk: JWK;
  readonly signatureJwks: { keys: JWK[] };
  readonly encryptionKeyFile: string;
  readonly signatureKeysFile: string;
  /** The private parts as JWK files (with kid), for a Weiche hub as this subscriber (`upstreams.fitConnect`). */
  readonly decryptionKeyFile: string;
  readonly signingKeyFile: string;
}

export async function subscriberKeys(dir: string, name: string): Promise<SubscriberKeys> {
  const enc = await generateKeyPair('RSA-OAEP-256', { modulusLength: 4096, extractable: true });
  const sig = await generateKeyPair('PS512', { modulusLength: 4096, extractable: true });
  const signingKid = randomUUID();
  const encryptionJwk = { ...(await exportJWK(enc.publicKey)), kid: randomUUID(), alg: 'RSA-OAEP-256', use: 'enc', key_ops: ['wrapKey'] };
  const signatureJwks = { keys: [{ ...(await exportJWK(sig.publicKey)), kid: signingKid, alg: 'PS512', use: 'sig', key_ops: ['verify'] }] };
  await mkdir(join(dir, 'keys'), { recursive: true });
  const encryptionKeyFile = join(dir, 'keys', `${name}.enc.jwk.json`);
  const signatureKeysFile = join(dir, 'keys', `${name}.sig.jwks.json`);
  await writeFile(encryptionKeyFile, JSON.stringify(encryptionJwk));
  await writeFile(signatureKeysFile, JSON.stringify(signatureJwks));
  const decryptionKeyFile = join(dir, 'keys', `${name}.enc.private.jwk.json`);
  const signingKeyFile = join(dir, 'keys', `${name}.sig.private.jwk.json`);
  await writeFile(decryptionKeyFile, JSON.stringify({ ...(await exportJWK(enc.privateKey)), kid: encryptionJwk.kid, alg: 'RSA-OAEP-256' }), { mode: 0o600 });
  await writeFile(signingKeyFile, JSON.stringify({ ...(await exportJWK(sig.privateKey)), kid: signingKid, alg: 'PS512' }), { mode: 0o600 });
  return { decryptionKey: enc.privateKey, signingKey: sig.privateKey, signingKid, encryptionJwk, signatureJwks, encryptionKeyFile, signatureKeysFile, decryptionKeyFile, signingKeyFile };
}

export interface PickedUpSubmission {
  destinationId: string;
  submissionId: string;
  caseId: string;
  serviceType: { identifier: string; name?: string };
  attachments: string[];
  encryptedMetadata: string;
  encryptedData?: string;
}

export class TestSubscriber {
  private token: string | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
    readonly keys: SubscriberKeys,
  ) {}

  async fetchToken(): Promise<string> {
    this.token = await clientCredentialsToken(this.baseUrl, { clientId: this.clientId, clientSecret: this.clientSecret });
    return this.token;
  }

  async request(method: string, path: string, body?: string, contentType = 'application/jose'): Promise<Response> {
    const token = this.token ?? (await this.fetchToken());
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body }),
    });
  }

  async json<T>(path: string): Promise<T> {
    const response = await this.request('GET', path);
    if (response.status !== 200) throw new Error(`GET ${path} → ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** get-submissions-for-pickup: the submission ids waiting (one page). */
  async pickupList(destinationId?: string): Promise<{ totalCount: number; submissions: Array<{ destinationId: string; submissionId: string; caseId: string }> }> {
    return this.json(`/v1/submissions${destinationId ? `?destinationId=${destinationId}` : ''}`);
  }

  async decrypt(jwe: string): Promise<Buffer> {
    const { plaintext } = await compactDecrypt(jwe, this.keys.decryptionKey);
    return Buffer.from(plaintext);
  }

  /** A SET as a subscriber signs it (iss = destination, PS512, typ secevent+jwt); `claims`/`header` override for bad-input tests. */
  async set(submission: Pick<PickedUpSubmission, 'destinationId' | 'submissionId' | 'caseId'>, event: string, payload: Record<string, unknown>, opts: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: PrivateKey } = {}): Promise<string> {
    return new SignJWT({
      iss: submission.destinationId,
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      sub: `submission:${submission.submissionId}`,
      txn: `case:${submission.caseId}`,
      events: { [EVENT(event)]: payload },
      ...opts.claims,
    })
      .setProtectedHeader({ alg: 'PS512', typ: 'secevent+jwt', kid: this.keys.signingKid, ...opts.header })
      .sign(opts.key ?? this.keys.signingKey);
  }

  async postEvent(caseId: string, set: string): Promise<Response> {
    return this.request('POST', `/v1/cases/${caseId}/events`, set);
  }
}
