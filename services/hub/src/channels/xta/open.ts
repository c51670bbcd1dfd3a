import { Readable } from 'node:stream';
import { getDecrypted, type FsBlobStore, type TenantKeyring } from '@weiche/blobstore';
import { ErrorCode, inputProblem, WeicheError } from '@weiche/core';
import { decryptOsciContent, OsciDecryptionError, sha512Hex, verifyAuthorSignature } from '@weiche/crypto';
import type { SubmissionRow } from '@weiche/journal';
import type { SubmissionAttachment } from '@weiche/mapping-sdk';
import { readBounded } from '@weiche/xoev';
import { scanXmlProlog } from '@weiche/xml';
import { isXtaFault, NS_XTA, parseGenericContentContainer, parseXmlTree, type ContentPart, type GenericContentContainer, type XmlElement } from '@weiche/xta';
import { attachmentMarkupProblem } from '../attachment-markup.js';
import type { OpenedSubmission } from '../channel.js';
import type { XtaMeta } from './meta.js';
import type { LoadedReader } from './reader-keystores.js';
import { overSubmissionLimit, overSubmissionLimitReason } from './submission-limit.js';

export interface XtaOpenDeps {
  readonly blobs: FsBlobStore;
  readonly keyring: TenantKeyring;
  readonly readers: ReadonlyMap<string, LoadedReader>;
  readonly maxContainerBytes: number;
  /** The operator's `limits.submissionBytes`: what the parts of one message may hold together. */
  readonly submissionBytes: number;
}

const problem = (code: ErrorCode, detail: string) => inputProblem(code, detail, { part: 'data', stage: 'open' });

/** Parses a decrypted (or plain) `xta:ContentContainer` document through the same reader as inline containers (DTDs and entities refused). */
function parseContainer(plaintext: Buffer, maxBytes: number): Extract<GenericContentContainer, { kind: 'plain' }> {
  let root: XmlElement;
  try {
    root = parseXmlTree(plaintext);
  } catch {
    throw problem(ErrorCode.SYNTAX_VIOLATION, 'Der Inhalt ist kein wohlgeformtes XML (DTD und Entitäten sind nicht erlaubt).');
  }
  if (root.ns !== NS_XTA || root.local !== 'ContentContainer') throw problem(ErrorCode.SCHEMA_VIOLATION, 'Der Inhalt ist kein xta:ContentContainer.');
  const wrapper: XmlElement = { ns: NS_XTA, local: 'GenericContentContainer', qname: 'GenericContentContainer', attrs: [], children: [root], nodes: [root], text: '', scope: root.scope };
  let container: GenericContentContainer;
  try {
    container = parseGenericContentContainer(wrapper, { maxContainerBytes: maxBytes });
  } catch (error) {
    throw problem(ErrorCode.SCHEMA_VIOLATION, `ContentContainer: ${isXtaFault(error) ? error.message : 'unlesbar'}`);
  }
  if (container.kind !== 'plain') throw problem(ErrorCode.SCHEMA_VIOLATION, 'ContentContainer: verschachtelte Verschlüsselung wird nicht unterstützt.');
  return container;
}

/** An attachment of the container; one whose XML prolog declares a DTD or an entity is refused (the content is in memory: only its beginning is read). */
function attachmentOf(part: ContentPart, index: number): SubmissionAttachment {
  const attachmentId = part.id ?? `attachment-${index + 1}`;
  const markup = attachmentMarkupProblem(scanXmlProlog(part.data), `attachment:${attachmentId}`);
  if (markup) throw markup;
  return {
    attachmentId,
    purpose: 'attachment',
    mimeType: part.contentType,
    ...(part.filename !== undefined ? { filename: part.filename } : {}),
    ...(part.contentDescription !== undefined ? { description: part.contentDescription } : {}),
    size: part.data.length,
    sha512: sha512Hex(part.data),
    // the content was decrypted with the container: it stays in memory for this processing run only
    open: () => Readable.from([part.data]),
  };
}

/**
 * Opens an XTA submission (xta-osci.md, "Content encryption"): decrypts the stored EncryptedData with the
 * reader's keystore (legacy algorithms only where the reader allows them), verifies an author signature
 * where present, and reads Message and Attachments. What cannot be opened is an input problem (red
 * transport report, never retried); the ciphertext stays in the blob store as received.
 */
export async function openXta(deps: XtaOpenDeps, row: SubmissionRow, meta: XtaMeta): Promise<OpenedSubmission> {
  const limit = deps.maxContainerBytes;
  let plaintext: Buffer;
  const evidence: Record<string, unknown> = { container: meta.container, readerId: meta.readerId, xtaMessageId: row.channelRef };
  if (meta.container === 'encrypted') {
    const reader = deps.readers.get(meta.readerId);
    // the hub's configuration changed under a received message: an operator fixes it and replays
    if (!reader) throw new WeicheError(ErrorCode.CONFIG_INVALID, `XTA reader ${meta.readerId} is no longer configured`, { stage: 'open' });
    try {
      const opened = await decryptOsciContent(await deps.blobs.read(meta.containerBlobKey), reader.keystore, { allowLegacy: reader.config.allowLegacy });
      plaintext = opened.plaintext;
      Object.assign(evidence, { algorithm: opened.algorithm, keyTransport: opened.keyTransport, legacy: opened.legacy, recipientCertificateSha256: opened.recipient.certificateSha256 });
    } catch (error) {
      if (error instanceof OsciDecryptionError) throw problem(ErrorCode.ENCRYPTION, `Der Inhalt kann mit dem Schlüssel des Lesers nicht entschlüsselt werden (${error.reason}).`);
      throw error;
    }
  } else {
    plaintext = await readBounded(await getDecrypted(deps.blobs, deps.keyring, row.tenantId, meta.containerBlobKey), limit * 2);
  }
  const signature = verifyAuthorSignature(plaintext);
  // xta-osci.md: the author signature's verdict is audited
  evidence.authorSignature = { present: signature.present, valid: signature.valid, ...(signature.reason ? { reason: signature.reason } : {}), ...(signature.signer ? { signerCertificateSha256: signature.signer.certificateSha256 } : {}) };
  const container = parseContainer(plaintext, limit);
  // an encrypted container was judged at intake by its ciphertext (its base64 and XML allowance); its parts are known only now
  if (overSubmissionLimit(container, deps.submissionBytes)) throw problem(ErrorCode.INPUT_REFUSED, overSubmissionLimitReason(deps.submissionBytes));
  const message = container.message;
  evidence.attachments = container.attachments.length;
  const sha512 = sha512Hex(message.data);
  const isXml = /xml/i.test(message.contentType);
  return {
    data: { content: message.data, schemaUri: meta.messageMetaData.qualifier.messageType.payloadSchema, mimeType: isXml ? 'application/xml' : message.contentType, sha512 },
    attachments: container.attachments.map(attachmentOf),
    // XTA: the author's party identifier (e.g. a DVDV Behördenkennung) is the sender
    sender: { name: meta.messageMetaData.author.name ?? meta.authorId, behoerdenkennung: meta.authorId },
    inputHash: meta.containerBlobKey,
    evidence,
    checks: {
      decryption: meta.container === 'encrypted' ? { status: 'passed', detail: `OSCI ${String(evidence.algorithm)}` } : { status: 'not-applicable', detail: 'unverschlüsselt übermittelt' },
      // an XTA container carries no hashes of its parts
      hashes: { status: 'not-applicable' },
      authorSignature: !signature.present
        ? { status: 'not-checked', detail: 'keine Autorensignatur' }
        : { status: signature.valid ? 'passed' : 'failed', ...(signature.reason ? { detail: signature.reason } : {}) },
    },
  };
}
