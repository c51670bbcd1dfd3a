import { Readable, Transform } from 'node:stream';
import { putEncrypted } from '@weiche/blobstore';
import { decryptJweStream } from '@weiche/crypto';
import type { SubmissionRow } from '@weiche/journal';
import { detectXmlRoot, runMapping, type MappingResult, type SubmissionContext, type TargetProfile } from '@weiche/mapping-sdk';
import { zipPackage } from '@weiche/xoev';
import type { HubDeps } from '../context.js';
import type { RouteConfig } from '../routing.js';
import type { OpenedSubmission } from './open-submission.js';
import { ProcessingFailure } from './rejection.js';

/** One produced package, stored encrypted at rest; what a route's delivery needs. */
export interface OutputRef {
  readonly blobKey: string;
  readonly packageName: string;
  readonly mimeType: string;
  /** Plaintext size and SHA-256 of the package (what the far side receives). */
  readonly size: number;
  readonly sha256: string;
  readonly prozessId: string;
  readonly mappingModule: string;
  readonly mappingVersion: string;
  /** SHA-256 of the encrypted blob as stored (its content address). */
  readonly ciphertextSha256: string;
}

function buildContext(deps: HubDeps, row: SubmissionRow, opened: OpenedSubmission): SubmissionContext {
  const tenant = deps.config.tenants.find((t) => t.id === row.tenantId);
  if (!tenant) throw new ProcessingFailure(`tenant ${row.tenantId} is no longer configured`);
  const sender = deps.config.senderClients.find((c) => c.clientId === row.senderClientId);
  // XTA: the author's party identifier (e.g. a DVDV Behördenkennung) is the sender
  const xtaSender = row.channel === 'xta' ? { name: row.senderClientId, behoerdenkennung: row.senderClientId } : undefined;
  const destination = row.channel === 'xta' ? undefined : deps.destinations.get(row.destinationId);
  if (!destination && row.channel !== 'xta') throw new ProcessingFailure(`destination ${row.destinationId} is no longer configured`);
  const senderReference = opened.metadata?.additionalReferenceInfo?.senderReference;
  return {
    submissionId: row.submissionId,
    caseId: row.caseId,
    serviceIdentifier: row.serviceIdentifier,
    ...(row.serviceName ? { serviceName: row.serviceName } : {}),
    ...(senderReference ? { senderReference } : {}),
    receivedAt: row.submittedAt ?? row.createdAt,
    tenant: {
      id: tenant.id,
      name: tenant.name,
      behoerdenkennung: tenant.behoerdenkennung,
      ...(tenant.organisationseinheit ? { organisationseinheit: tenant.organisationseinheit } : {}),
    },
    // never a placeholder identity: without a configured Behördenkennung the Absender has none
    sender: xtaSender ?? { name: sender?.name ?? row.senderClientId, ...(sender?.behoerdenkennung ? { behoerdenkennung: sender.behoerdenkennung } : {}) },
    ...(opened.data ? { data: opened.data } : {}),
    attachments: opened.attachments.map((a) => ({
      attachmentId: a.attachmentId,
      purpose: a.purpose,
      mimeType: a.mimeType,
      ...(a.filename !== undefined ? { filename: a.filename } : {}),
      ...(a.description !== undefined ? { description: a.description } : {}),
      size: a.size,
      sha512: a.sha512,
      // decrypted again while packaging: plaintext only ever exists in memory, in flight
      open: () => {
        if (a.content) return Readable.from([a.content]);
        if (!destination) throw new ProcessingFailure('attachment content is not available');
        return decryptJweStream(deps.blobs.get(a.blobKey), { privateKey: destination.privateKey, expectedKid: destination.kid }).plaintext;
      },
    })),
    hub: deps.hub,
  };
}

function countingTap(): Transform & { bytes: number } {
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      tap.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  tap.bytes = 0;
  return tap;
}

async function storePackage(deps: HubDeps, row: SubmissionRow, result: MappingResult): Promise<Omit<OutputRef, 'mappingModule' | 'mappingVersion'>> {
  const zip = zipPackage([{ name: result.messageName, source: Buffer.from(result.messageXml, 'utf8') }, ...result.documents]);
  const counter = countingTap();
  zip.on('error', (error) => counter.destroy(error));
  const stored = await putEncrypted(deps.blobs, deps.keyring, row.tenantId, zip.pipe(counter));
  return {
    blobKey: stored.key,
    packageName: result.packageName,
    mimeType: 'application/zip',
    size: counter.bytes,
    sha256: stored.plaintextSha256,
    prozessId: result.prozessId,
    ciphertextSha256: stored.sha256,
  };
}

/**
 * Maps an opened submission once per distinct target of its routes, validates every message
 * against its official XSD, and stores each package encrypted at rest.
 */
export async function mapSubmission(deps: HubDeps, row: SubmissionRow, opened: OpenedSubmission, routes: readonly RouteConfig[]): Promise<Record<string, OutputRef>> {
  const ctx = buildContext(deps, row, opened);
  const outputs: Record<string, OutputRef> = {};
  for (const route of routes) {
    if (outputs[route.target]) continue;
    const [moduleId, version] = route.mapping?.split('@') ?? [];
    // XML data (e.g. XBau) is matched by its namespace and root element, JSON by the schema URI
    const xml = opened.data?.mimeType === 'application/xml' ? detectXmlRoot(opened.data.content) : undefined;
    const module = deps.registry.resolve({
      schemaUri: opened.data?.schemaUri ?? '*',
      ...(xml ? { xml } : {}),
      target: route.target as TargetProfile,
      ...(moduleId ? { moduleId } : {}),
      ...(version ? { version } : {}),
    });
    const result = await runMapping(module, ctx);
    const validator = await deps.xsd(result.standardId);
    const verdict = validator.validate(result.messageXml);
    if (!verdict.valid) {
      throw new ProcessingFailure(`${module.id}@${module.version} produced ${result.standardId} that fails its XSD: ${verdict.errors.slice(0, 3).join('; ')}`);
    }
    const stored = await storePackage(deps, row, result);
    outputs[route.target] = { ...stored, mappingModule: module.id, mappingVersion: module.version };
  }
  return outputs;
}
