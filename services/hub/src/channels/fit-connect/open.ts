import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FsBlobStore } from '@weiche/blobstore';
import { ErrorCode, findUnstorableString, inputProblem, WeicheError, type SubmissionPart } from '@weiche/core';
import { decryptCompactJwe, decryptJweStream, JweRejectedError, sha512Tap } from '@weiche/crypto';
import { checkAnnouncedAttachments, checkHash, problemForJweRejection, type MetadataValidator, type ProblemInstance } from '@weiche/fit-connect';
import type { SubmissionRow } from '@weiche/journal';
import { parseSubmissionData, type SubmissionAttachment, type SubmissionContext } from '@weiche/mapping-sdk';
import { XmlPrologScanner, type XmlPrologVerdict } from '@weiche/xml';
import { ContentInspector, type ContentFacts } from '@weiche/xoev';
import { attachmentMarkupProblem } from '../attachment-markup.js';
import type { OpenedSubmission } from '../channel.js';
import type { LoadedDestination } from './destinations.js';
import type { FitConnectMeta } from './meta.js';
import { rejectedFor } from './problems.js';
import type { SenderClient } from './sender-auth.js';

/** What opening needs of a destination: its keys by kid and the schemas it offers (none: any schema, as for an upstream destination). */
export type OpeningDestination = Pick<LoadedDestination, 'privateKeys'> & { readonly config: Pick<LoadedDestination['config'], 'services'> };

export interface FitConnectOpenDeps {
  readonly blobs: Pick<FsBlobStore, 'read' | 'get'>;
  /** The uploaded attachments (the journal's, or those an upstream channel keeps in its metadata). */
  readonly journal: { listAttachments(submissionId: string): Promise<ReadonlyArray<{ readonly attachmentId: string; readonly blobKey: string }>> };
  readonly destinations: ReadonlyMap<string, OpeningDestination>;
  readonly metadata: MetadataValidator;
  /** Who may have sent it: the sender's name (and Behördenkennung) as xÖV messages give them. */
  readonly senderClients: ReadonlyArray<Pick<SenderClient, 'clientId' | 'name' | 'behoerdenkennung'>>;
}

function rethrowJwe(error: unknown, instance: ProblemInstance): never {
  if (error instanceof JweRejectedError) throw rejectedFor(problemForJweRejection(error.reason, instance));
  throw error;
}

function destinationOf(deps: FitConnectOpenDeps, meta: FitConnectMeta): OpeningDestination {
  const destination = deps.destinations.get(meta.destinationId);
  // the hub's configuration changed under a received submission: an operator fixes it and replays
  if (!destination) throw new WeicheError(ErrorCode.CONFIG_INVALID, `destination ${meta.destinationId} is no longer configured`, { stage: 'open' });
  return destination;
}

async function decryptSmall(deps: FitConnectOpenDeps, destination: OpeningDestination, blobKey: string, instance: ProblemInstance) {
  const compact = (await deps.blobs.read(blobKey)).toString('utf8').trim();
  try {
    // by the JWE's kid: what was encrypted to a key before its rotation still opens
    return await decryptCompactJwe(compact, { privateKeys: destination.privateKeys });
  } catch (error) {
    return rethrowJwe(error, instance);
  }
}

/**
 * Decrypts the data part streamed from its blob, hashing as it goes. It may be megabytes (a 6 MiB XBau message is
 * 8 MiB of JWE): read whole (decryptSmall), it was turned into one string, checked, decoded, deciphered and hashed
 * in one synchronous piece that held the event loop for ~0.1 s and left large strings behind for a full GC. In the
 * blob store's 1 MiB reads each step takes a few milliseconds, and other submissions run in between.
 */
async function decryptData(deps: FitConnectOpenDeps, destination: OpeningDestination, blobKey: string, instance: ProblemInstance) {
  const decrypted = decryptJweStream(deps.blobs.get(blobKey), { privateKeys: destination.privateKeys });
  const tap = sha512Tap();
  const chunks: Buffer[] = [];
  const collect = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  try {
    await pipeline(decrypted.plaintext, tap, collect);
    return { plaintext: Buffer.concat(chunks), sha512: tap.digestHex(), authenticationTag: await decrypted.authenticationTag };
  } catch (error) {
    return rethrowJwe(error, instance);
  }
}

/**
 * Streams one attachment through decryption and SHA-512 without keeping the plaintext, and takes its content
 * facts (SHA-256, format, PDF/A) and its XML prolog in the same pass: the mapping needs the facts and would
 * otherwise decrypt it again, and the prolog scan stops reading at the first element.
 */
async function verifyAttachment(
  deps: FitConnectOpenDeps,
  destination: OpeningDestination,
  blobKey: string,
  declaredMimeType: string,
  instance: ProblemInstance,
): Promise<{ sha512: string; size: number; facts: ContentFacts; prolog: XmlPrologVerdict; tag: string; cek: Buffer; kid: string }> {
  const decrypted = decryptJweStream(deps.blobs.get(blobKey), { privateKeys: destination.privateKeys });
  const tap = sha512Tap();
  const inspector = new ContentInspector();
  const prolog = new XmlPrologScanner();
  let size = 0;
  const inspect = new Writable({
    write(chunk: Buffer, _enc, done) {
      size += chunk.length;
      inspector.update(chunk);
      prolog.update(chunk);
      done();
    },
  });
  try {
    await pipeline(decrypted.plaintext, tap, inspect);
    const header = await decrypted.header;
    // only after the pipeline ended, i.e. after the GCM tag verified every byte the facts were taken from
    const facts = await inspector.facts(declaredMimeType);
    return { sha512: tap.digestHex(), size, facts, prolog: prolog.verdict(), tag: await decrypted.authenticationTag, cek: await decrypted.cek, kid: String(header.kid) };
  } catch (error) {
    return rethrowJwe(error, instance);
  }
}

/**
 * JSON Fachdaten whose strings the xÖV package cannot carry (NUL, unpaired surrogates); malformed JSON is the
 * mapping's to judge. Parsed as the mapping parses it (parseSubmissionData): the mapping reuses this parse.
 */
async function unstorableInJson(data: SubmissionContext['data']): Promise<string | undefined> {
  try {
    return findUnstorableString(await parseSubmissionData(data), 'data');
  } catch {
    return undefined;
  }
}

/**
 * Opens a received FIT-Connect submission (specs/fit-connect.md, "Cryptography"): decrypts metadata and data
 * with the destination key, validates the metadata against its official schema, checks that it names the
 * submission's service and a schema the destination offers, compares announced and declared attachments,
 * and checks every SHA-512. Input problems are thrown as catalogue input problems of stage `open`.
 */
export async function openFitConnect(deps: FitConnectOpenDeps, row: SubmissionRow, meta: FitConnectMeta): Promise<OpenedSubmission> {
  const destination = destinationOf(deps, meta);
  // instances as FIT-Connect documents them: "metadata", "data", "attachment:<id>", "submission"
  const problem = (code: ErrorCode, detail: string, part: SubmissionPart) => inputProblem(code, detail, { part, stage: 'open' });
  if (!meta.metadataBlobKey) throw problem(ErrorCode.MISSING_DATA, 'Es wurden keine Metadaten übermittelt.', 'metadata');
  const decryptedMeta = await decryptSmall(deps, destination, meta.metadataBlobKey, 'metadata');
  let parsed: unknown;
  try {
    parsed = JSON.parse(decryptedMeta.plaintext.toString('utf8'));
  } catch {
    throw problem(ErrorCode.SYNTAX_VIOLATION, 'Die Metadaten sind kein gültiges JSON.', 'metadata');
  }
  // the storable-string rule of the edge (@weiche/core): senderReference, file names and the rest go into the
  // journal and the xÖV package, and neither PostgreSQL nor XML can hold a NUL — the sender's problem, decided once
  const unstorable = findUnstorableString(parsed, 'metadata');
  if (unstorable) throw problem(ErrorCode.SCHEMA_VIOLATION, `Die Metadaten enthalten Zeichen, die nicht verarbeitet werden können (${unstorable}).`, 'metadata');
  const validated = deps.metadata.validate(parsed);
  if (!validated.ok) {
    const code = validated.problem === 'unsupported-schema' ? ErrorCode.UNSUPPORTED_SCHEMA : ErrorCode.SCHEMA_VIOLATION;
    throw problem(code, `Die Metadaten entsprechen nicht dem Metadatenschema: ${validated.errors.slice(0, 5).join('; ')}`, 'metadata');
  }
  const metadata = validated.metadata;
  const declaredService = metadata.publicServiceType?.identifier;
  if (declaredService !== undefined && declaredService !== row.serviceIdentifier) {
    throw problem(ErrorCode.SERVICE_MISMATCH, 'Die Verwaltungsleistung in den Metadaten (publicServiceType) stimmt nicht mit der Leistung der Einreichung überein.', 'metadata');
  }
  const attachmentProblem = checkAnnouncedAttachments(meta.announcedAttachments, metadata);
  if (attachmentProblem) throw rejectedFor(attachmentProblem);

  const declaredData = metadata.contentStructure.data;
  let data: OpenedSubmission['data'];
  let dataTag: string | undefined;
  if (declaredData) {
    const offered = destination.config.services.find((s) => s.identifier === row.serviceIdentifier)?.submissionSchemas ?? [];
    if (offered.length > 0 && !offered.some((s) => s.schemaUri === declaredData.submissionSchema.schemaUri)) {
      throw problem(ErrorCode.UNSUPPORTED_SCHEMA, 'Der Zustellpunkt bietet das Schema der Fachdaten für diese Verwaltungsleistung nicht an.', 'data');
    }
    if (!meta.dataBlobKey) throw problem(ErrorCode.MISSING_DATA, 'Die Metadaten kündigen Fachdaten an, es wurden aber keine übermittelt.', 'data');
    const decrypted = await decryptData(deps, destination, meta.dataBlobKey, 'data');
    const sha512 = decrypted.sha512;
    const mismatch = checkHash(declaredData.hash.content, sha512, 'data');
    if (mismatch) throw rejectedFor(mismatch);
    data = { content: decrypted.plaintext, schemaUri: declaredData.submissionSchema.schemaUri, mimeType: declaredData.submissionSchema.mimeType, sha512 };
    const unstorableData = data.mimeType === 'application/json' ? await unstorableInJson(data) : undefined;
    if (unstorableData) throw problem(ErrorCode.SYNTAX_VIOLATION, `Die Fachdaten enthalten Zeichen, die nicht verarbeitet werden können (${unstorableData}).`, 'data');
    dataTag = decrypted.authenticationTag;
  } else if (meta.dataBlobKey) {
    throw problem(ErrorCode.SCHEMA_VIOLATION, 'Es wurden Fachdaten übermittelt, die Metadaten beschreiben aber keine (contentStructure.data fehlt).', 'data');
  }

  // attachment ids are UUIDs (RFC 9562 §4: compared case-insensitively): the metadata may name one in other case than
  // its upload, as checkAnnouncedAttachments allows; the tags go by the id it was uploaded under, as in submit-submission
  const uploaded = new Map((await deps.journal.listAttachments(row.submissionId)).map((a) => [a.attachmentId.toLowerCase(), a]));
  const attachments: SubmissionAttachment[] = [];
  const tags: Record<string, string> = {};
  for (const declared of metadata.contentStructure.attachments) {
    const where: ProblemInstance = `attachment:${declared.attachmentId}`;
    const upload = uploaded.get(declared.attachmentId.toLowerCase());
    if (!upload) throw problem(ErrorCode.ATTACHMENTS_MISMATCH, 'Eine in den Metadaten beschriebene Anlage wurde nicht hochgeladen.', where);
    const verified = await verifyAttachment(deps, destination, upload.blobKey, declared.mimeType, where);
    const mismatch = checkHash(declared.hash.content, verified.sha512, where);
    if (mismatch) throw rejectedFor(mismatch);
    const markup = attachmentMarkupProblem(verified.prolog, where);
    if (markup) throw markup;
    tags[upload.attachmentId] = verified.tag;
    attachments.push({
      attachmentId: declared.attachmentId,
      purpose: declared.purpose,
      mimeType: declared.mimeType,
      ...(declared.filename !== undefined ? { filename: declared.filename } : {}),
      ...(declared.description !== undefined ? { description: declared.description } : {}),
      sha512: verified.sha512,
      size: verified.size,
      facts: verified.facts,
      // decrypted again while packaging (plaintext only ever exists in memory, in flight), with the content
      // key of the verify pass: no second RSA unwrap; the GCM tag still authenticates every byte
      open: () => decryptJweStream(deps.blobs.get(upload.blobKey), { cek: verified.cek, expectedKid: verified.kid }).plaintext,
    });
  }
  const client = deps.senderClients.find((c) => c.clientId === meta.senderClientId);
  const senderReference = metadata.additionalReferenceInfo?.senderReference;
  return {
    ...(data ? { data } : {}),
    attachments,
    sender: { name: client?.name ?? meta.senderClientId, ...(client?.behoerdenkennung ? { behoerdenkennung: client.behoerdenkennung } : {}) },
    ...(senderReference ? { senderReference } : {}),
    inputHash: meta.metadataBlobKey,
    evidence: { metadataVersion: validated.version, attachments: attachments.length, destinationKid: String(decryptedMeta.header.kid) },
    checks: {
      decryption: { status: 'passed', detail: `JWE RSA-OAEP-256/A256GCM, Schlüssel ${String(decryptedMeta.header.kid)}` },
      hashes: { status: 'passed', detail: `SHA-512 von ${data ? 'Fachdaten und ' : ''}${attachments.length} Anlage(n)` },
      // FIT-Connect carries no author signature over the content
      authorSignature: { status: 'not-applicable' },
    },
    channelMeta: { ...meta, authenticationTags: { metadata: decryptedMeta.authenticationTag, ...(dataTag ? { data: dataTag } : {}), attachments: tags } } satisfies FitConnectMeta,
  };
}
