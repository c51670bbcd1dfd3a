import { PermanentDeliveryError } from '@weiche/adapter-sdk';
import type { XtaMessageBoxSink } from '@weiche/adapter-xta-msgbox';
import { getDecrypted, putEncrypted } from '@weiche/blobstore';
import type { MsgBoxEntry } from '@weiche/journal';
import { detectXmlRoot } from '@weiche/mapping-sdk';
import type { ContentPart, MessageMetaData } from '@weiche/xta';
import type { HubDeps } from '../context.js';
import { newMessageId } from './message-ids.js';
import { readBounded, unzipPackage } from './unzip-package.js';
import type { XtaRuntime } from './xta-runtime.js';

type BoxDeps = Pick<HubDeps, 'config' | 'journal' | 'blobs' | 'keyring'>;

const MIME_BY_EXTENSION: Record<string, string> = {
  xml: 'application/xml',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  txt: 'text/plain',
  json: 'application/json',
  zip: 'application/zip',
};

function mimeOf(name: string): string {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  return MIME_BY_EXTENSION[ext] ?? 'application/octet-stream';
}

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
export class HubMessageBox implements XtaMessageBoxSink {
  constructor(
    private readonly deps: BoxDeps,
    private readonly runtime: Pick<XtaRuntime, 'store' | 'identities' | 'config'>,
  ) {}

  /** True when the identity is configured. */
  async ready(identity: string): Promise<boolean> {
    return this.runtime.identities.some((i) => i.identifier === identity);
  }

  /** Stores the package for the identity (idempotent per delivery key) and returns its MessageID. */
  async offer(input: Parameters<XtaMessageBoxSink['offer']>[0]): Promise<{ messageId: string; duplicate: boolean }> {
    if (!(await this.ready(input.identity))) throw new PermanentDeliveryError(`XTA identity ${input.identity} is not configured`);
    const [submissionId, routeId] = input.idempotencyKey.split(':');
    const row = submissionId ? await this.deps.journal.getSubmission(submissionId) : undefined;
    if (!row) throw new PermanentDeliveryError('the submission of the package is unknown');
    const route = this.deps.config.routes.find((r) => r.id === routeId);
    const zip = await readBounded(await input.pkg.open(), this.runtime.config.limits.maxContainerBytes);
    const files = await unzipPackage(zip);
    const message = files[0];
    if (!message) throw new PermanentDeliveryError('the package holds no message');
    const parts: StoredPart[] = files.map((f) => ({ contentType: mimeOf(f.name), filename: f.name, data: f.data.toString('base64') }));
    const content = Buffer.from(JSON.stringify({ parts }), 'utf8');
    const stored = await putEncrypted(this.deps.blobs, this.deps.keyring, row.tenantId, content);
    const root = detectXmlRoot(message.data);
    const original = (row.xtaMeta?.messageMetaData ?? undefined) as MessageMetaData | undefined;
    const now = new Date().toISOString();
    const meta: MessageMetaData = {
      testMsg: original?.testMsg ?? false,
      deliveryAttributes: { origin: original?.deliveryAttributes.origin ?? now, delivery: now },
      author: original?.author ?? { type: 'xoev', value: this.runtime.config.serverIdentity },
      sender: { type: 'xoev', value: this.runtime.config.serverIdentity, name: 'Weiche' },
      reader: { type: 'xoev', value: input.identity },
      messageId: newMessageId(this.runtime.config.messageIdPrefix),
      ...(original ? { inReplyTo: [original.messageId] } : {}),
      qualifier: {
        service: original?.qualifier.service ?? row.serviceIdentifier,
        businessScenario: original?.qualifier.businessScenario ?? { kind: 'undefined', value: route?.target ?? 'WEICHE' },
        messageType: {
          code: root?.rootElement ?? 'unknown',
          listUri: 'urn:de:payloadSchema:elementName',
          listVersionId: '1.0',
          payloadSchema: root?.namespace || 'urn:weiche:unknown',
        },
      },
      msgSize: files.reduce((n, f) => n + f.data.length, 0),
    };
    const { entry, duplicate } = await this.runtime.store.offer({
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
    const stream = await getDecrypted(this.deps.blobs, this.deps.keyring, tenantId, entry.packageBlobKey);
    const { parts } = JSON.parse((await readBounded(stream, Number.MAX_SAFE_INTEGER)).toString('utf8')) as { parts: StoredPart[] };
    const toPart = (p: StoredPart, i: number): ContentPart => ({ contentType: p.contentType, filename: p.filename, id: `part-${i}`, data: Buffer.from(p.data, 'base64') });
    const [first, ...rest] = parts.map(toPart);
    if (!first) throw new Error('message box entry has no content');
    return { message: first, attachments: rest };
  }
}


/**
 * A sink the adapters get at creation, before the database and blob store exist; `bind` connects it
 * to the real box once they do. Without XTA configured every offer is a permanent error.
 */
export function lateBoundMessageBox(): { sink: XtaMessageBoxSink; bind(box: HubMessageBox): void } {
  let target: HubMessageBox | undefined;
  return {
    sink: {
      offer: (input) => (target ? target.offer(input) : Promise.reject(new PermanentDeliveryError('the hub has no XTA configuration (xta section)'))),
      ready: async (identity) => (target ? target.ready(identity) : false),
    },
    bind(box) {
      target = box;
    },
  };
}
