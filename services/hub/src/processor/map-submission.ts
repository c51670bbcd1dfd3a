import { Transform } from 'node:stream';
import { putEncrypted, type FsBlobStore, type TenantKeyring } from '@weiche/blobstore';
import { filingFor, type WeicheConfig } from '@weiche/config';
import { atStage, ErrorCode, WeicheError } from '@weiche/core';
import type { StoredOutput, SubmissionRow } from '@weiche/journal';
import { runMapping, submissionXmlRoot, type MappingRegistry, type MappingResult, type SubmissionContext, type TargetProfile, type TargetStandardId } from '@weiche/mapping-sdk';
import { zipPackage, type PooledXsdValidator } from '@weiche/xoev';
import type { OpenedSubmission } from '../channels/channel.js';
import type { RouteConfig } from '../routing.js';

/** One produced package, stored encrypted at rest; what a route's delivery needs. */
export interface OutputRef extends StoredOutput {
  /** SHA-256 of the encrypted blob as stored (its content address). */
  readonly ciphertextSha256: string;
}

export interface MapperDeps {
  readonly registry: Pick<MappingRegistry, 'resolve'>;
  /** The XSD validator of a standard (off the event loop: a 16 MiB message takes a second to validate). */
  xsd(standardId: TargetStandardId): PooledXsdValidator;
  readonly blobs: FsBlobStore;
  readonly keyring: TenantKeyring;
  readonly tenants: WeicheConfig['tenants'];
  /** JSON schemas of the forms the hub knows (by `$id` = the submission's schema URI), for readable labels. */
  readonly formSchemas: ReadonlyMap<string, Record<string, unknown>>;
  readonly hub: { readonly product: string; readonly version: string };
}

type TenantConfig = WeicheConfig['tenants'][number];

function authority(t: TenantConfig): SubmissionContext['tenant'] {
  return { id: t.id, name: t.name, behoerdenkennung: t.behoerdenkennung, ...(t.organisationseinheit ? { organisationseinheit: t.organisationseinheit } : {}) };
}

function buildContext(deps: MapperDeps, row: SubmissionRow, opened: OpenedSubmission): SubmissionContext {
  const configured = (id: string): TenantConfig => {
    const tenant = deps.tenants.find((t) => t.id === id);
    if (!tenant) throw new WeicheError(ErrorCode.CONFIG_INVALID, `tenant ${id} is no longer configured`, { stage: 'map' });
    return tenant;
  };
  const tenant = configured(row.tenantId);
  // a back office files into its own DMS, by its own file plan
  const processing = row.delegationId && row.processingTenantId ? configured(row.processingTenantId) : undefined;
  const formSchema = opened.data ? deps.formSchemas.get(opened.data.schemaUri) : undefined;
  const filing = filingFor(processing ?? tenant, row.serviceIdentifier);
  return {
    submissionId: row.submissionId,
    serviceIdentifier: row.serviceIdentifier,
    ...(row.serviceName ? { serviceName: row.serviceName } : {}),
    ...(opened.senderReference ? { senderReference: opened.senderReference } : {}),
    receivedAt: row.submittedAt ?? row.createdAt,
    tenant: authority(tenant),
    ...(processing && row.delegationId ? { processingTenant: { ...authority(processing), delegationId: row.delegationId } } : {}),
    // never a placeholder identity: without a configured Behördenkennung the Absender has none
    sender: { name: opened.sender.name, ...(opened.sender.behoerdenkennung ? { behoerdenkennung: opened.sender.behoerdenkennung } : {}) },
    channel: row.channel,
    checks: opened.checks,
    ...(formSchema ? { formSchema } : {}),
    ...(filing ? { filing } : {}),
    ...(opened.data ? { data: opened.data } : {}),
    attachments: [...opened.attachments],
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

async function storePackage(deps: MapperDeps, row: SubmissionRow, result: MappingResult): Promise<Omit<OutputRef, 'mappingModule' | 'mappingVersion'>> {
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

async function stage<T>(name: 'map' | 'validate' | 'store', fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    // a mapping module judges the structured data: its refusals concern the "data" part
    throw atStage(error, name, 'data');
  }
}

/**
 * Maps an opened submission once per distinct target of its routes (stage `map`), validates every message
 * against its official XSD (`validate`: an invalid output is the hub's fault, FAILED for an operator), and
 * stores each package encrypted at rest (`store`). Returns the packages by target and what the modules noted.
 */
export async function mapSubmission(
  deps: MapperDeps,
  row: SubmissionRow,
  opened: OpenedSubmission,
  routes: readonly RouteConfig[],
): Promise<{ outputs: Record<string, OutputRef>; notes: Record<string, string[]> }> {
  const ctx = buildContext(deps, row, opened);
  const outputs: Record<string, OutputRef> = {};
  const notes: Record<string, string[]> = {};
  // XML data (e.g. XBau) is matched by its namespace and root element, JSON by the schema URI
  const data = opened.data;
  const xml = data?.mimeType === 'application/xml' ? await stage('map', () => submissionXmlRoot(data)) : undefined;
  for (const route of routes) {
    if (outputs[route.target]) continue;
    const [moduleId, version] = route.mapping?.split('@') ?? [];
    const { module, result } = await stage('map', async () => {
      const module = deps.registry.resolve({
        schemaUri: opened.data?.schemaUri ?? '*',
        ...(xml ? { xml } : {}),
        target: route.target as TargetProfile,
        ...(moduleId ? { moduleId } : {}),
        ...(version ? { version } : {}),
      });
      return { module, result: await runMapping(module, ctx) };
    });
    await stage('validate', async () => {
      const verdict = await deps.xsd(result.standardId).validate(result.messageXml);
      if (!verdict.valid) {
        throw new WeicheError(ErrorCode.XSD_INVALID, `${module.id}@${module.version} produced ${result.standardId} that fails its XSD: ${verdict.errors.slice(0, 3).join('; ')}`);
      }
    });
    const stored = await stage('store', () => storePackage(deps, row, result));
    outputs[route.target] = { ...stored, mappingModule: module.id, mappingVersion: module.version };
    if (result.notes && result.notes.length > 0) notes[route.target] = result.notes;
  }
  return { outputs, notes };
}
