import { lookup as mimeTypeOf } from 'mime-types';
import { PermanentDeliveryError, type MessageBoxService } from '@weiche/adapter-sdk';
import { getDecrypted, putEncrypted } from '@weiche/blobstore';
import type { MsgBoxEntry } from '@weiche/journal';
import { detectXmlRoot } from '@weiche/mapping-sdk';
import { readBounded, unzipPackage } from '@weiche/xoev';
import type { ContentPart, MessageMetaData } from '@weiche/xta';
import { newMessageId } from './message-ids.js';
import { XtaMeta } from './meta.js';
import type { XtaRuntime } from './xta-runtime.js';

interface StoredPart {
  contentType: string;
  filename: string;
  data: string;
}

/**
 * The hub's XTA message box: the `xta-msgbox` adapter offers a delivered package here; the MsgBoxPort
 * hands it out as a ContentContainer (Message = the xÖV message, Attachments = the documents) until the
 * identity closes it. Content is stored encrypted at rest with the tenant's data key.
 */
export class HubMessageBox implements MessageBoxService {
  constructor(private readonly rt: Pick<XtaRuntime, 'journal' | 'blobs' | 'keyring' | 'store' | 'identities' | 'config' | 'routing'>) {}

  /** True when the identity is configured. */
  async ready(identity: string): Promise<boolean> {
    return this.rt.identities.some((i) => i.identifier === identity);
  }

  /** Stores the package for the identity (idempotent per delivery key) and returns its MessageID. */
  async offer(input: Parameters<MessageBoxService['offer']>[0]): Promise<{ messageId: string; duplicate: boolean }> {
    if (!(await this.ready(input.identity))) throw new PermanentDeliveryError(`XTA identity ${input.identity} is not configured`);
    const [submissionId, routeId] = input.idempotencyKey.split(':');
    const row = submissionId ? await this.rt.journal.getSubmission(submissionId) : undefined;
    if (!row) throw new PermanentDeliveryError('the submission of the package is unknown');
    const route = routeId ? this.rt.routing.route(routeId) : undefined;
    const zip = await readBounded(await input.pkg.open(), this.rt.config.limits.maxContainerBytes);
    const files = await unzipPackage(zip);
    const message = files[0];
    if (!message) throw new PermanentDeliveryError('the package holds no message');
    const parts: StoredPart[] = files.map((f) => ({ contentType: mimeTypeOf(f.name) || 'application/octet-stream', filename: f.name, data: f.content.toString('base64') }));
    const stored = await putEncrypted(this.rt.blobs, this.rt.keyring, row.tenantId, Buffer.from(JSON.stringify({ parts }), 'utf8'));
    const root = detectXmlRoot(message.content);
    // a package made from an XTA message answers it (InReplyTo); one from another channel starts a conversation
    const original = row.channel === 'xta' ? XtaMeta.parse(row.channelMeta).messageMetaData : undefined;
    const now = new Date().toISOString();
    const serverIdentity = this.rt.config.serverIdentity;
    const meta: MessageMetaData = {
      testMsg: original?.testMsg ?? false,
      deliveryAttributes: { origin: original?.deliveryAttributes.origin ?? now, delivery: now },
      author: original?.author ?? { type: 'xoev', value: serverIdentity },
      sender: { type: 'xoev', value: serverIdentity, name: 'Weiche' },
      reader: { type: 'xoev', value: input.identity },
      messageId: newMessageId(this.rt.config.messageIdPrefix),
      ...(original ? { inReplyTo: [original.messageId] } : {}),
      qualifier: {
        service: original?.qualifier.service ?? row.serviceIdentifier,
        businessScenario: original?.qualifier.businessScenario ?? { kind: 'undefined', value: route?.target ?? 'WEICHE' },
        messageType: {
          code: root.rootElement,
          listUri: 'urn:de:payloadSchema:elementName',
          listVersionId: '1.0',
          payloadSchema: root.namespace || 'urn:weiche:unknown',
        },
      },
      msgSize: files.reduce((n, f) => n + f.content.length, 0),
    };
    const { entry, duplicate } = await this.rt.store.offer({
      identity: input.identity,
      messageId: meta.messageId,
      submissionId: row.submissionId,
      idempotencyKey: input.idempotencyKey,
      packageBlobKey: stored.key,
      packageSize: meta.msgSize ?? 0,
      meta: meta as unknown as Record<string, unknown>,
    });
    return { messageId: entry.messageId, duplicate };
  }

  /** The content of a box entry as XTA content parts (first = Message). */
  async content(entry: MsgBoxEntry, tenantId: string): Promise<{ message: ContentPart; attachments: ContentPart[] }> {
    const stream = await getDecrypted(this.rt.blobs, this.rt.keyring, tenantId, entry.packageBlobKey);
    const { parts } = JSON.parse((await readBounded(stream, Number.MAX_SAFE_INTEGER)).toString('utf8')) as { parts: StoredPart[] };
    const toPart = (p: StoredPart, i: number): ContentPart => ({ contentType: p.contentType, filename: p.filename, id: `part-${i}`, data: Buffer.from(p.data, 'base64') });
    const [first, ...rest] = parts.map(toPart);
    if (!first) throw new Error('message box entry has no content');
    return { message: first, attachments: rest };
  }
}
