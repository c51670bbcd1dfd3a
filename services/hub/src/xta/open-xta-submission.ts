import { getDecrypted } from '@weiche/blobstore';
import { decryptOsciContent, OsciDecryptionError, sha512Hex, verifyAuthorSignature, type AuthorSignatureResult } from '@weiche/crypto';
import { problem } from '@weiche/fit-connect';
import type { SubmissionRow } from '@weiche/journal';
import { isXtaFault, NS_XTA, parseGenericContentContainer, parseXmlTree, type ContentPart, type GenericContentContainer, type MessageMetaData, type XmlElement } from '@weiche/xta';
import type { HubDeps } from '../context.js';
import { SubmissionRejection } from '../processor/rejection.js';
import { readBounded } from './unzip-package.js';

/** An opened XTA message: the Message (the Fachdaten, XML) and its Attachments, in memory only. */
export interface OpenedXtaContent {
  readonly message: ContentPart;
  readonly attachments: readonly ContentPart[];
  readonly payloadSchema: string;
  /** What was opened with which key, and the author signature's verdict — for the audit record. */
  readonly audit: Record<string, unknown>;
}

function reject(detail: string): SubmissionRejection {
  return new SubmissionRejection(problem('encryption-issue', detail, 'data'));
}

/** Parses a decrypted `xta:ContentContainer` (DTDs and entities refused by the parser) through the same reader as inline containers. */
function parseContainer(plaintext: Buffer, maxBytes: number): Extract<GenericContentContainer, { kind: 'plain' }> {
  let root: XmlElement;
  try {
    root = parseXmlTree(plaintext);
  } catch {
    throw new SubmissionRejection(problem('syntax-violation', 'Der entschlüsselte Inhalt ist kein wohlgeformtes XML (DTD und Entitäten sind nicht erlaubt).', 'data'));
  }
  if (root.ns !== NS_XTA || root.local !== 'ContentContainer') {
    throw new SubmissionRejection(problem('schema-violation', 'Der entschlüsselte Inhalt ist kein xta:ContentContainer.', 'data'));
  }
  const wrapper: XmlElement = { ns: NS_XTA, local: 'GenericContentContainer', qname: 'GenericContentContainer', attrs: [], children: [root], nodes: [root], text: '', scope: root.scope };
  try {
    const container = parseGenericContentContainer(wrapper, { maxContainerBytes: maxBytes });
    if (container.kind !== 'plain') throw new Error('nested encryption');
    return container;
  } catch (error) {
    const detail = isXtaFault(error) ? error.message : 'nested EncryptedData is not supported';
    throw new SubmissionRejection(problem('schema-violation', `ContentContainer: ${detail}`, 'data'));
  }
}

/**
 * Opens an XTA submission (xta-osci.md, "Content encryption"): decrypts the stored EncryptedData with the
 * reader's keystore (legacy algorithms only where the reader allows them), verifies an author signature
 * where present, and reads Message and Attachments. What cannot be opened is a SubmissionRejection (red
 * transport report, never retried); the ciphertext stays in the blob store as received.
 */
export async function openXtaSubmission(deps: HubDeps, row: SubmissionRow): Promise<OpenedXtaContent> {
  const rt = deps.xta;
  if (!rt) throw new SubmissionRejection(problem('technical-error', 'XTA is not configured on this hub', 'submission'));
  const meta = row.xtaMeta?.messageMetaData as MessageMetaData | undefined;
  const kind = row.xtaMeta?.container;
  if (!meta || !row.dataBlobKey) throw new SubmissionRejection(problem('technical-error', 'no XTA container was stored for the submission', 'submission'));
  const limit = rt.limits.maxContainerBytes;
  let plaintext: Buffer;
  const audit: Record<string, unknown> = { channel: 'xta', container: kind };
  if (kind === 'encrypted') {
    const reader = rt.readers.get(row.destinationId);
    if (!reader) throw reject('the reader is no longer configured');
    try {
      const opened = await decryptOsciContent(await deps.blobs.read(row.dataBlobKey), reader.keystore, { allowLegacy: reader.config.allowLegacy });
      plaintext = opened.plaintext;
      audit.algorithm = opened.algorithm;
      audit.keyTransport = opened.keyTransport;
      audit.legacy = opened.legacy;
      audit.recipientCertificateSha256 = opened.recipient.certificateSha256;
    } catch (error) {
      if (error instanceof OsciDecryptionError) throw reject(`OSCI content cannot be opened: ${error.reason}`);
      throw error;
    }
  } else {
    plaintext = await readBounded(await getDecrypted(deps.blobs, deps.keyring, row.tenantId, row.dataBlobKey), limit * 2);
  }
  const signature: AuthorSignatureResult = verifyAuthorSignature(plaintext);
  audit.authorSignature = { present: signature.present, valid: signature.valid, ...(signature.reason ? { reason: signature.reason } : {}), ...(signature.signer ? { signerCertificateSha256: signature.signer.certificateSha256 } : {}) };
  const container = parseContainer(plaintext, limit);
  audit.attachments = container.attachments.length;
  audit.messageSha512 = sha512Hex(container.message.data);
  return { message: container.message, attachments: container.attachments, payloadSchema: meta.qualifier.messageType.payloadSchema, audit };
}
