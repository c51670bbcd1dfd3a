import type { DeliveryState, SubmissionState } from '@weiche/core';

/** One stored output package (per mapping target): blob reference and hashes, never content. */
export interface StoredOutput {
  blobKey: string;
  packageName: string;
  mimeType: string;
  /** Plaintext size and SHA-256 of the package. */
  size: number;
  sha256: string;
  prozessId: string;
  mappingModule: string;
  mappingVersion: string;
}

/** A submission as the journal holds it: channel-neutral; what only a channel understands is in `channelMeta`. */
export interface SubmissionRow {
  submissionId: string;
  tenantId: string;
  /** The intake channel's name (a channel module of the hub, e.g. `fit-connect`, `xta`). */
  channel: string;
  /** The channel's own identifier of the message, unique per channel (e.g. an XTA MessageID). */
  channelRef: string;
  /** The channel's metadata, parsed by that channel's schema (never personal data, never content). */
  channelMeta: unknown;
  serviceIdentifier: string;
  serviceName: string | null;
  state: SubmissionState;
  outputBlobKey: string | null;
  outputSha256: string | null;
  prozessId: string | null;
  packageName: string | null;
  mappingModule: string | null;
  mappingVersion: string | null;
  senderReference: string | null;
  /** Last rejection/failure reason (no personal data). */
  reason: string | null;
  /** Output packages by mapping target (set when MAPPED). */
  outputs: Record<string, StoredOutput> | null;
  /** Why it was REJECTED or FAILED, in catalogue terms (the channel translates it for the sender). */
  problem: SubmissionProblem | null;
  /** When the channel told the sender (or upstream) the final outcome; null until then. */
  acknowledgedAt: Date | null;
  /** Who processes it (whose routes it takes): the owner itself or a back office; null until first routed. */
  processingTenantId: string | null;
  /** The delegation that sent it to a back office (config `delegations`); null when the owner processes it. */
  delegationId: string | null;
  createdAt: Date;
  submittedAt: Date | null;
  updatedAt: Date;
}

/** A rejection or failure as the journal keeps it: catalogue code, deciding stage, the part at fault, a detail without personal data. */
export interface SubmissionProblem {
  code: string;
  stage: string;
  part?: string;
  detail: string;
}

export type SubmissionPatch = Partial<
  Pick<
    SubmissionRow,
    | 'channelMeta'
    | 'outputBlobKey'
    | 'outputSha256'
    | 'prozessId'
    | 'packageName'
    | 'mappingModule'
    | 'mappingVersion'
    | 'senderReference'
    | 'reason'
    | 'problem'
    | 'submittedAt'
    | 'outputs'
    | 'processingTenantId'
  >
>;

export interface DeliveryRow {
  submissionId: string;
  routeId: string;
  adapterInstance: string;
  target: string;
  state: DeliveryState;
  attempts: number;
  receipt: Record<string, unknown> | null;
  lastError: string | null;
  deliveredAt: Date | null;
  updatedAt: Date;
}

/** Column of each patchable field; the whitelist that keeps caller keys out of SQL. */
export const PATCH_COLUMNS: Readonly<Record<keyof SubmissionPatch, string>> = {
  channelMeta: 'channel_meta',
  outputBlobKey: 'output_blob_key',
  outputSha256: 'output_sha256',
  prozessId: 'prozess_id',
  packageName: 'package_name',
  mappingModule: 'mapping_module',
  mappingVersion: 'mapping_version',
  senderReference: 'sender_reference',
  reason: 'reason',
  problem: 'problem',
  submittedAt: 'submitted_at',
  outputs: 'outputs',
  processingTenantId: 'processing_tenant',
};

/** Patch fields stored as jsonb (serialized explicitly: node-postgres would turn arrays into PG arrays). */
export const JSON_PATCH_FIELDS: ReadonlySet<keyof SubmissionPatch> = new Set(['outputs', 'channelMeta', 'problem']);

export interface SubmissionDbRow {
  submission_id: string;
  tenant_id: string;
  channel: string;
  channel_ref: string;
  channel_meta: unknown;
  service_identifier: string;
  service_name: string | null;
  state: SubmissionState;
  output_blob_key: string | null;
  output_sha256: string | null;
  prozess_id: string | null;
  package_name: string | null;
  mapping_module: string | null;
  mapping_version: string | null;
  sender_reference: string | null;
  reason: string | null;
  outputs: Record<string, StoredOutput> | null;
  problem: SubmissionProblem | null;
  acknowledged_at: Date | null;
  processing_tenant: string | null;
  delegation_id: string | null;
  created_at: Date;
  submitted_at: Date | null;
  updated_at: Date;
}

/** Maps a submissions row to the API shape. */
export function toSubmission(r: SubmissionDbRow): SubmissionRow {
  return {
    submissionId: r.submission_id,
    tenantId: r.tenant_id,
    channel: r.channel,
    channelRef: r.channel_ref,
    channelMeta: r.channel_meta,
    serviceIdentifier: r.service_identifier,
    serviceName: r.service_name,
    state: r.state,
    outputBlobKey: r.output_blob_key,
    outputSha256: r.output_sha256,
    prozessId: r.prozess_id,
    packageName: r.package_name,
    mappingModule: r.mapping_module,
    mappingVersion: r.mapping_version,
    senderReference: r.sender_reference,
    reason: r.reason,
    outputs: r.outputs,
    problem: r.problem,
    acknowledgedAt: r.acknowledged_at,
    processingTenantId: r.processing_tenant ?? null,
    delegationId: r.delegation_id ?? null,
    createdAt: r.created_at,
    submittedAt: r.submitted_at,
    updatedAt: r.updated_at,
  };
}

export interface DeliveryDbRow {
  submission_id: string;
  route_id: string;
  adapter_instance: string;
  target: string;
  state: DeliveryState;
  attempts: number;
  receipt: Record<string, unknown> | null;
  last_error: string | null;
  delivered_at: Date | null;
  updated_at: Date;
}

/** Maps a deliveries row to the API shape. */
export function toDelivery(r: DeliveryDbRow): DeliveryRow {
  return {
    submissionId: r.submission_id,
    routeId: r.route_id,
    adapterInstance: r.adapter_instance,
    target: r.target,
    state: r.state,
    attempts: r.attempts,
    receipt: r.receipt,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    updatedAt: r.updated_at,
  };
}
