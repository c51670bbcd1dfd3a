import { addAbortSignal, type Readable } from 'node:stream';
import { lookup as mimeTypeOf } from 'mime-types';
import { PermanentDeliveryError, TransientDeliveryError, type MessageBoxService } from '@weiche/adapter-sdk';
import { getDecrypted, putEncrypted } from '@weiche/blobstore';
import type { MsgBoxEntry } from '@weiche/journal';
import { readBounded, unzipPackage, XBAU_NS, XDOMEA_NS } from '@weiche/xoev';
import { xtaError, type ContentPart, type MessageMetaData } from '@weiche/xta';
import { ErrorCode, isWeicheError } from '@weiche/core';
import { newMessageId } from './message-ids.js';
import { XtaMeta } from './meta.js';
import type { XtaRuntime } from './xta-runtime.js';

/** Namespaces of the standards a route's target names (`<standard>:<message>`), for MessageType/@payloadSchema. */
const PAYLOAD_SCHEMA: Readonly<Record<string, string>> = { 'xbau-2.6': XBAU_NS, 'xdomea-3.1.0': XDOMEA_NS };

type BoxRuntime = Pick<XtaRuntime, 'journal' | 'blobs' | 'keyring' | 'store' | 'identities' | 'config' | 'routing'>;

/**
 * The hub's XTA message box: the `xta-msgbox` adapter offers a delivered package here; the MsgBoxPort
 * hands it out as a ContentContainer (Message = the xÖV message, Attachments = the documents) until the
 * identity closes it. The package is stored as delivered, streamed and encrypted at rest with the
 * tenant's data key (bounded memory, any size up to the XTA container limit); it is unpacked when fetched.
 */
export class HubMessageBox implements MessageBoxService {
  constructor(private readonly rt: BoxRuntime) {}

  /** True when the identity is configured and the box's storage answers. */
  async ready(identity: string): Promise<boolean> {
    if (!this.rt.identities.some((i) => i.identifier === identity)) return false;
    try {
      await Promise.all([this.rt.blobs.ping(), this.rt.journal.ping()]);
      return true;
    } catch {
      return false;
    }
  }

  /** Stores the package for the identity (idempotent per delivery key) and returns its MessageID. */
  async offer(input: Parameters<MessageBoxService['offer']>[0]): Promise<{ messageId: string; duplicate: boolean }> {
    const { identity, idempotencyKey, pkg, signal } = input;
    if (!this.rt.identities.some((i) => i.identifier === identity)) throw new PermanentDeliveryError(`XTA identity ${identity} is not configured`);
    const limit = this.rt.config.limits.maxContainerBytes;
    if (pkg.size > limit) throw new PermanentDeliveryError(`the package (${pkg.size} bytes) exceeds the XTA container limit of ${limit} bytes`);
    const earlier = await this.rt.store.findByKey(identity, idempotencyKey);
    if (earlier) return { messageId: earlier.messageId, duplicate: true };
    if (signal.aborted) throw new TransientDeliveryError('delivery aborted');
    // an abort (timeout, shutdown) destroys the package stream: the blob store keeps nothing of it; the
    // error reaches putEncrypted through its read, the listener only keeps an early abort from being unhandled
    const source = addAbortSignal(signal, (await pkg.open()) as Readable).on('error', () => undefined);
    const stored = await putEncrypted(this.rt.blobs, this.rt.keyring, pkg.tenantId, source).catch((error: unknown) => {
      throw signal.aborted ? new TransientDeliveryError('delivery aborted', { cause: error }) : error;
    });
    const meta = await this.metaFor(identity, pkg.submissionId, idempotencyKey.split(':')[1], pkg.size);
    const { entry, duplicate } = await this.rt.store.offer({
      identity,
      messageId: meta.messageId,
      submissionId: pkg.submissionId,
      idempotencyKey,
      packageBlobKey: stored.key,
      packageSize: pkg.size,
      packageName: pkg.name,
      meta: meta as unknown as Record<string, unknown>,
    });
    return { messageId: entry.messageId, duplicate };
  }

  /** MessageMetaData of a new box entry: a package made from an XTA message answers it (InReplyTo); others start a conversation. */
  private async metaFor(identity: string, submissionId: string, routeId: string | undefined, size: number): Promise<MessageMetaData> {
    const row = await this.rt.journal.getSubmission(submissionId);
    const original = row?.channel === 'xta' ? XtaMeta.parse(row.channelMeta).messageMetaData : undefined;
    const target = routeId ? this.rt.routing.route(routeId)?.target : undefined;
    const [standard = '', message = 'unknown'] = target?.split(':') ?? [];
    const now = new Date().toISOString();
    const serverIdentity = this.rt.config.serverIdentity;
    return {
      testMsg: original?.testMsg ?? false,
      deliveryAttributes: { origin: original?.deliveryAttributes.origin ?? now, delivery: now },
      author: original?.author ?? { type: 'xoev', value: serverIdentity },
      sender: { type: 'xoev', value: serverIdentity, name: 'Weiche' },
      reader: { type: 'xoev', value: identity },
      messageId: newMessageId(this.rt.config.messageIdPrefix),
      ...(original ? { inReplyTo: [original.messageId] } : {}),
      qualifier: {
        service: original?.qualifier.service ?? row?.serviceIdentifier ?? 'urn:weiche:unknown',
        businessScenario: original?.qualifier.businessScenario ?? { kind: 'undefined', value: target ?? 'WEICHE' },
        messageType: { code: message, listUri: 'urn:de:payloadSchema:elementName', listVersionId: '1.0', payloadSchema: PAYLOAD_SCHEMA[standard] ?? 'urn:weiche:unknown' },
      },
      msgSize: size,
    };
  }

  /** The content of a box entry as XTA content parts: the package unpacked, the first file the Message. */
  async content(entry: MsgBoxEntry, tenantId: string): Promise<{ message: ContentPart; attachments: ContentPart[] }> {
    const stored = await getDecrypted(this.rt.blobs, this.rt.keyring, tenantId, entry.packageBlobKey).catch((error: unknown) => {
      // retention deletes the package of a closed message after the tenant's outputsDays: asked again, it is gone
      if (entry.status === 'closed' && isWeicheError(error) && error.code === ErrorCode.NOT_FOUND) throw xtaError('UNKNOWN_MESSAGE_ID', 'the message was closed and its content has since been deleted (retention)');
      throw error;
    });
    const zip = await readBounded(stored, this.rt.config.limits.maxContainerBytes);
    const parts = (await unzipPackage(zip)).map(
      (f, i): ContentPart => ({ contentType: mimeTypeOf(f.name) || 'application/octet-stream', filename: f.name, id: `part-${i}`, data: f.content }),
    );
    const [message, ...attachments] = parts;
    if (!message) throw new Error('message box entry has no content');
    return { message, attachments };
  }
}
