import { createHash, createPublicKey, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { keyIdOf } from '@weiche/crypto';
import { FIT_CONNECT_CHANNEL, type HubDeps } from '@weiche/hub';
import { encryptCompactJwe } from './bad-jwe.js';
import { SERVICE } from './test-config.js';

const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('hex');

export interface ReceivedFitConnectOptions {
  readonly destinationId: string;
  readonly clientId: string;
  readonly data: Buffer;
  readonly attachment: Buffer;
  /** The attachment's file name in the metadata (default plan.pdf). */
  readonly filename?: string;
  readonly tamperDataHash?: boolean;
  /** Default: the first tenant (testhausen) and the destination's first key. */
  readonly tenantId?: string;
  readonly serviceIdentifier?: string;
  /** When the sender submitted (default now): the receipt time delegations are judged by. */
  readonly submittedAt?: Date;
}

/** A FIT-Connect submission as the sender API leaves it at RECEIVED: JWEs in the blob store, metadata in channel_meta. */
export async function receivedFitConnect(deps: HubDeps, opts: ReceivedFitConnectOptions): Promise<{ submissionId: string; caseId: string }> {
  const destination = deps.config.destinations.find((d) => d.id === opts.destinationId);
  const certificate = await readFile(destination?.keys?.certificateFile ?? '', 'utf8');
  const key = createPublicKey(certificate);
  const kid = keyIdOf(certificate);
  const jwe = (plaintext: Buffer): string => encryptCompactJwe(plaintext, key, { header: { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid } });
  const submissionId = randomUUID();
  const caseId = randomUUID();
  const attachmentId = randomUUID();
  const metadata = {
    $schema: 'https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json',
    contentStructure: {
      data: { hash: { type: 'sha512', content: opts.tamperDataHash ? sha512(Buffer.from('other')) : sha512(opts.data) }, submissionSchema: { schemaUri: 'urn:test:schema:1.0', mimeType: 'application/json' } },
      attachments: [{ attachmentId, hash: { type: 'sha512', content: sha512(opts.attachment) }, purpose: 'attachment', mimeType: 'application/pdf', filename: opts.filename ?? 'plan.pdf' }],
    },
  };
  const meta = { caseId, destinationId: opts.destinationId, senderClientId: opts.clientId, announcedAttachments: [attachmentId] };
  await deps.journal.createSubmission({
    submissionId,
    tenantId: opts.tenantId ?? destination?.tenant ?? 'testhausen',
    channel: FIT_CONNECT_CHANNEL,
    channelRef: submissionId,
    channelMeta: meta,
    serviceIdentifier: opts.serviceIdentifier ?? SERVICE,
    state: 'CREATED',
    actor: 'test',
  });
  const upload = await deps.blobs.put(Buffer.from(jwe(opts.attachment)));
  await deps.journal.recordAttachment({ submissionId, attachmentId, blobKey: upload.key, size: upload.size });
  const metadataBlob = await deps.blobs.put(Buffer.from(jwe(Buffer.from(JSON.stringify(metadata)))));
  const dataBlob = await deps.blobs.put(Buffer.from(jwe(opts.data)));
  await deps.journal.transition(submissionId, {
    from: ['CREATED'],
    to: 'RECEIVED',
    actor: 'test',
    stage: 'intake',
    patch: { channelMeta: { ...meta, metadataBlobKey: metadataBlob.key, dataBlobKey: dataBlob.key }, submittedAt: opts.submittedAt ?? new Date() },
  });
  return { submissionId, caseId };
}
