import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decryptCompactJwe, decryptJweStream, JweRejectedError, sha512Hex, sha512Tap } from '@weiche/crypto';
import { checkAnnouncedAttachments, checkHash, problem, problemForJweRejection, type Metadata, type ProblemInstance } from '@weiche/fit-connect';
import type { SubmissionRow } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import { openXtaSubmission } from '../xta/open-xta-submission.js';
import { SubmissionRejection } from './rejection.js';

export interface OpenedAttachment {
  readonly attachmentId: string;
  readonly blobKey: string;
  readonly purpose: string;
  readonly mimeType: string;
  readonly filename?: string;
  readonly description?: string;
  readonly sha512: string;
  readonly size: number;
  /** XTA: the decrypted bytes, held in memory only while the submission is mapped (FIT-Connect decrypts from blobKey). */
  readonly content?: Buffer;
}

/** A submission after decryption and verification: what mapping needs, nothing of it on disk in plaintext. */
export interface OpenedSubmission {
  readonly channel: 'fit-connect' | 'xta';
  /** FIT-Connect metadata (absent for XTA, where MessageMetaData was read at intake). */
  readonly metadata?: Metadata;
  readonly metadataVersion?: string;
  readonly data?: { readonly content: Buffer; readonly schemaUri: string; readonly mimeType: string; readonly sha512: string };
  readonly attachments: readonly OpenedAttachment[];
  /** The fifth segment of every JWE, for accept-submission (FIT-Connect: authenticationTags). */
  readonly authenticationTags?: { metadata: string; data?: string; attachments: Record<string, string> };
  /** XTA: key, algorithms and author signature verdict for the audit record. */
  readonly audit?: Record<string, unknown>;
}

/** The XTA channel: opened with the reader's OSCI keystore; no FIT-Connect metadata or tags. */
async function openXta(deps: HubDeps, row: SubmissionRow): Promise<OpenedSubmission> {
  const opened = await openXtaSubmission(deps, row);
  const isXml = /xml/i.test(opened.message.contentType);
  return {
    channel: 'xta',
    data: { content: opened.message.data, schemaUri: opened.payloadSchema, mimeType: isXml ? 'application/xml' : opened.message.contentType, sha512: sha512Hex(opened.message.data) },
    attachments: opened.attachments.map((a, i) => ({
      attachmentId: a.id ?? `attachment-${i + 1}`,
      blobKey: row.dataBlobKey ?? '',
      purpose: 'attachment',
      mimeType: a.contentType,
      ...(a.filename !== undefined ? { filename: a.filename } : {}),
      ...(a.contentDescription !== undefined ? { description: a.contentDescription } : {}),
      sha512: sha512Hex(a.data),
      size: a.data.length,
      content: a.data,
    })),
    audit: opened.audit,
  };
}

async function decryptSmall(deps: HubDeps, blobKey: string, row: SubmissionRow, instance: ProblemInstance) {
  const destination = deps.destinations.get(row.destinationId);
  if (!destination) throw new SubmissionRejection(problem('technical-error', 'the destination is no longer configured', instance));
  const compact = (await deps.blobs.read(blobKey)).toString('utf8').trim();
  try {
    return await decryptCompactJwe(compact, { privateKey: destination.privateKey, expectedKid: destination.kid });
  } catch (error) {
    if (error instanceof JweRejectedError) throw new SubmissionRejection(problemForJweRejection(error.reason, instance));
    throw error;
  }
}

/** Streams one attachment through decryption and SHA-512 without keeping the plaintext. */
async function verifyAttachment(deps: HubDeps, row: SubmissionRow, blobKey: string, instance: ProblemInstance): Promise<{ sha512: string; size: number; tag: string }> {
  const destination = deps.destinations.get(row.destinationId);
  if (!destination) throw new SubmissionRejection(problem('technical-error', 'the destination is no longer configured', instance));
  const decrypted = decryptJweStream(deps.blobs.get(blobKey), { privateKey: destination.privateKey, expectedKid: destination.kid });
  const tap = sha512Tap();
  let size = 0;
  try {
    await pipeline(
      decrypted.plaintext,
      tap,
      new Writable({
        write(chunk: Buffer, _enc, done) {
          size += chunk.length;
          done();
        },
      }),
    );
    await decrypted.header;
    return { sha512: tap.digestHex(), size, tag: await decrypted.authenticationTag };
  } catch (error) {
    if (error instanceof JweRejectedError) throw new SubmissionRejection(problemForJweRejection(error.reason, instance));
    throw error;
  }
}

/**
 * Opens a received submission: decrypts metadata and data with the destination key, validates the
 * metadata against its official schema, compares announced and declared attachments, and checks
 * every SHA-512 (specs/fit-connect.md, "Cryptography"). Input problems throw SubmissionRejection.
 */
export async function openSubmission(deps: HubDeps, row: SubmissionRow): Promise<OpenedSubmission> {
  if (row.channel === 'xta') return openXta(deps, row);
  // instances as FIT-Connect documents them: "metadata", "data", "attachment:<id>", "submission"
  if (!row.metadataBlobKey) throw new SubmissionRejection(problem('technical-error', 'no metadata was stored for the submission', 'submission'));
  const meta = await decryptSmall(deps, row.metadataBlobKey, row, 'metadata');
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta.plaintext.toString('utf8'));
  } catch {
    throw new SubmissionRejection(problem('syntax-violation', 'Die Metadaten sind kein gültiges JSON.', 'metadata'));
  }
  const validated = deps.metadata.validate(parsed);
  if (!validated.ok) {
    throw new SubmissionRejection(problem(validated.problem, `Die Metadaten entsprechen nicht dem Metadatenschema: ${validated.errors.slice(0, 5).join('; ')}`, 'metadata'));
  }
  const metadata = validated.metadata;
  const attachmentProblem = checkAnnouncedAttachments(row.announcedAttachments, metadata);
  if (attachmentProblem) throw new SubmissionRejection(attachmentProblem);

  const declaredData = metadata.contentStructure.data;
  let data: OpenedSubmission['data'];
  let dataTag: string | undefined;
  if (declaredData) {
    if (!row.dataBlobKey) throw new SubmissionRejection(problem('missing-data', 'Die Metadaten kündigen Fachdaten an, es wurden aber keine übermittelt.', 'data'));
    const decrypted = await decryptSmall(deps, row.dataBlobKey, row, 'data');
    const sha512 = sha512Hex(decrypted.plaintext);
    const mismatch = checkHash(declaredData.hash.content, sha512, 'data');
    if (mismatch) throw new SubmissionRejection(mismatch);
    data = { content: decrypted.plaintext, schemaUri: declaredData.submissionSchema.schemaUri, mimeType: declaredData.submissionSchema.mimeType, sha512 };
    dataTag = decrypted.authenticationTag;
  } else if (row.dataBlobKey) {
    throw new SubmissionRejection(problem('schema-violation', 'Es wurden Fachdaten übermittelt, die Metadaten beschreiben aber keine (contentStructure.data fehlt).', 'data'));
  }

  const uploaded = new Map((await deps.journal.listAttachments(row.submissionId)).map((a) => [a.attachmentId, a]));
  const attachments: OpenedAttachment[] = [];
  const tags: Record<string, string> = {};
  for (const declared of metadata.contentStructure.attachments) {
    const where: ProblemInstance = `attachment:${declared.attachmentId}`;
    const upload = uploaded.get(declared.attachmentId);
    if (!upload) throw new SubmissionRejection(problem('attachments-mismatch', 'Eine in den Metadaten beschriebene Anlage wurde nicht hochgeladen.', where));
    const verified = await verifyAttachment(deps, row, upload.blobKey, where);
    const mismatch = checkHash(declared.hash.content, verified.sha512, where);
    if (mismatch) throw new SubmissionRejection(mismatch);
    tags[declared.attachmentId] = verified.tag;
    attachments.push({
      attachmentId: declared.attachmentId,
      blobKey: upload.blobKey,
      purpose: declared.purpose,
      mimeType: declared.mimeType,
      ...(declared.filename !== undefined ? { filename: declared.filename } : {}),
      ...(declared.description !== undefined ? { description: declared.description } : {}),
      sha512: verified.sha512,
      size: verified.size,
    });
  }
  return {
    channel: 'fit-connect',
    metadata,
    metadataVersion: validated.version,
    ...(data ? { data } : {}),
    attachments,
    authenticationTags: { metadata: meta.authenticationTag, ...(dataTag ? { data: dataTag } : {}), attachments: tags },
  };
}
