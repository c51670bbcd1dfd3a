/**
 * A FIT-Connect sender written against the public specification with `jose` only — deliberately
 * not using this repository's crypto or fit-connect packages, so it checks the hub from outside.
 */
import { createHash, randomUUID } from 'node:crypto';
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import { clientCredentialsToken } from './client-credentials.js';

type KeyLike = Awaited<ReturnType<typeof importJWK>>;

export interface SenderAttachment {
  readonly content: Buffer;
  readonly filename: string;
  readonly mimeType: string;
  readonly purpose?: 'form' | 'attachment' | 'report';
  readonly attachmentId?: string;
}

export interface SendOptions {
  readonly destinationId: string;
  readonly serviceIdentifier: string;
  readonly serviceName?: string;
  readonly data?: Buffer;
  readonly schemaUri?: string;
  readonly attachments?: readonly SenderAttachment[];
  readonly senderReference?: string;
  /** CreateSubmission.caseId: a reply within this existing case of the sender. */
  readonly caseId?: string;
  /** CreateSubmission.callback: where the hub tells the sender of new events. */
  readonly callback?: { readonly url: string; readonly secret: string };
  /** Hooks for bad-input tests: change what is announced, declared or uploaded. */
  readonly tamper?: {
    metadata?: (metadata: Record<string, unknown>) => Record<string, unknown>;
    metadataJwe?: (jwe: string) => string;
    dataJwe?: (jwe: string) => string;
    attachmentJwe?: (jwe: string, index: number) => string;
    announced?: (ids: string[]) => string[];
    skipUpload?: (index: number) => boolean;
    header?: Record<string, unknown>;
  };
}

export const sha512 = (data: Buffer): string => createHash('sha512').update(data).digest('hex');

/** FIT-Connect metadata 2.1.0 describing the data and attachments of a submission (hashes over the plaintext). */
export function submissionMetadata(
  options: Pick<SendOptions, 'data' | 'schemaUri' | 'senderReference'>,
  attachments: ReadonlyArray<SenderAttachment & { attachmentId: string }>,
): Record<string, unknown> {
  return {
    $schema: 'https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json',
    contentStructure: {
      ...(options.data
        ? { data: { hash: { type: 'sha512', content: sha512(options.data) }, submissionSchema: { schemaUri: options.schemaUri ?? 'urn:test:schema:1.0', mimeType: 'application/json' } } }
        : {}),
      attachments: attachments.map((a) => ({
        attachmentId: a.attachmentId,
        hash: { type: 'sha512', content: sha512(a.content) },
        purpose: a.purpose ?? 'attachment',
        mimeType: a.mimeType,
        filename: a.filename,
      })),
    },
    ...(options.senderReference ? { additionalReferenceInfo: { senderReference: options.senderReference } } : {}),
  };
}

export class TestSender {
  private token: string | undefined;
  /** The problem document of the last refused submit, for assertions. */
  lastProblem: Record<string, unknown> | undefined;
  private readonly keys = new Map<string, { key: KeyLike | Uint8Array; kid: string }>();

  constructor(
    readonly baseUrl: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
  ) {}

  async fetchToken(): Promise<string> {
    this.token = await clientCredentialsToken(this.baseUrl, { clientId: this.clientId, clientSecret: this.clientSecret });
    return this.token;
  }

  async request(method: string, path: string, body?: unknown, contentType = 'application/json', headers: Record<string, string> = {}): Promise<Response> {
    const token = this.token ?? (await this.fetchToken());
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  }

  async json<T>(method: string, path: string, body?: unknown, expected = [200, 201, 202]): Promise<T> {
    const response = await this.request(method, path, body);
    if (!expected.includes(response.status)) throw new Error(`${method} ${path} → ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Fetches the destination's encryption key (GET destination → encryptionKid → keys/<kid>). */
  async destinationKey(destinationId: string): Promise<{ key: KeyLike | Uint8Array; kid: string; jwk: JWK }> {
    const info = await this.json<{ encryptionKid: string }>('GET', `/v1/destinations/${destinationId}`);
    const jwk = await this.json<JWK>('GET', `/v1/destinations/${destinationId}/keys/${info.encryptionKid}`);
    // FIT-Connect publishes key_ops ["wrapKey"]; jose wraps the CEK with WebCrypto's encrypt(), so
    // the usage restriction is dropped on import (the key itself is used exactly as published).
    const { key_ops: _keyOps, ...publicKey } = jwk;
    const key = await importJWK(publicKey, 'RSA-OAEP-256');
    const entry = { key, kid: info.encryptionKid };
    this.keys.set(destinationId, entry);
    return { ...entry, jwk };
  }

  async encrypt(destinationId: string, plaintext: Buffer, extraHeader: Record<string, unknown> = {}): Promise<string> {
    const { key, kid } = this.keys.get(destinationId) ?? (await this.destinationKey(destinationId));
    return new CompactEncrypt(plaintext).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid, ...extraHeader }).encrypt(key);
  }

  /** Runs the whole sender flow; returns the ids and every status code seen. */
  async send(options: SendOptions): Promise<{ submissionId: string; caseId: string; statuses: Record<string, number>; attachmentIds: string[]; tags: { metadata: string; data?: string; attachments: Record<string, string> } }> {
    const tamper = options.tamper ?? {};
    const header = tamper.header ?? {};
    const attachments = (options.attachments ?? []).map((a) => ({ ...a, attachmentId: a.attachmentId ?? randomUUID() }));
    const ids = attachments.map((a) => a.attachmentId);
    const announced = tamper.announced ? tamper.announced(ids) : ids;
    const created = await this.json<{ submissionId: string; caseId: string }>('POST', '/v1/submissions', {
      destinationId: options.destinationId,
      serviceType: { identifier: options.serviceIdentifier, name: options.serviceName ?? 'Test-Leistung' },
      announcedAttachments: announced,
      ...(options.caseId ? { caseId: options.caseId } : {}),
      ...(options.callback ? { callback: options.callback } : {}),
    });
    const statuses: Record<string, number> = {};
    const tagOf = (jwe: string): string => jwe.split('.')[4] ?? '';
    const attachmentTags: Record<string, string> = {};
    for (const [index, attachment] of attachments.entries()) {
      if (tamper.skipUpload?.(index)) continue;
      let jwe = await this.encrypt(options.destinationId, attachment.content, header);
      if (tamper.attachmentJwe) jwe = tamper.attachmentJwe(jwe, index);
      attachmentTags[attachment.attachmentId] = tagOf(jwe);
      const response = await this.request('PUT', `/v1/submissions/${created.submissionId}/attachments/${attachment.attachmentId}`, jwe, 'application/jose');
      statuses[`attachment${index}`] = response.status;
    }
    let metadata = submissionMetadata(options, attachments);
    if (tamper.metadata) metadata = tamper.metadata(metadata);
    let encryptedMetadata = await this.encrypt(options.destinationId, Buffer.from(JSON.stringify(metadata)), header);
    if (tamper.metadataJwe) encryptedMetadata = tamper.metadataJwe(encryptedMetadata);
    let encryptedData = options.data ? await this.encrypt(options.destinationId, options.data, header) : undefined;
    if (encryptedData && tamper.dataJwe) encryptedData = tamper.dataJwe(encryptedData);
    const submit = await this.request('PUT', `/v1/submissions/${created.submissionId}`, { encryptedMetadata, ...(encryptedData ? { encryptedData } : {}) });
    statuses.submit = submit.status;
    if (submit.status !== 202) this.lastProblem = (await submit.json()) as Record<string, unknown>;
    const tags = { metadata: tagOf(encryptedMetadata), ...(encryptedData ? { data: tagOf(encryptedData) } : {}), attachments: attachmentTags };
    return { ...created, statuses, attachmentIds: ids, tags };
  }

  async events(caseId: string): Promise<string[]> {
    const log = await this.json<{ eventLog: string[] }>('GET', `/v1/cases/${caseId}/events`);
    return log.eventLog;
  }
}

/** Reads the event names of a case's SETs (payload only; signatures are checked where a test needs it). */
export function eventNames(tokens: readonly string[]): string[] {
  return tokens.map((token) => {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { events: Record<string, unknown> };
    return Object.keys(payload.events)[0]?.split('/').pop() ?? '?';
  });
}

export function eventPayload(token: string): Record<string, unknown> {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { events: Record<string, Record<string, unknown>> };
  return Object.values(payload.events)[0] ?? {};
}
