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

/** The fifth JWE segment of each part, echoed in accept-submission (FIT-Connect: authenticationTags). */
export interface AuthenticationTags {
  metadata: string;
  data?: string;
  attachments: Record<string, string>;
}

export interface SubmissionRow {
  submissionId: string;
  caseId: string;
  destinationId: string;
  tenantId: string;
  senderClientId: string;
  serviceIdentifier: string;
  serviceName: string | null;
  state: SubmissionState;
  announcedAttachments: string[];
  callback: { url: string; secret: string } | null;
  metadataBlobKey: string | null;
  dataBlobKey: string | null;
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
  /** JWE authentication tags (set when OPENED). */
  authenticationTags: AuthenticationTags | null;
  /** Intake channel: FIT-Connect Submission API or XTA 2 (sendMessage). */
  channel: 'fit-connect' | 'xta';
  /** XTA MessageID of the sender (xta channel only). */
  xtaMessageId: string | null;
  /** XTA MessageMetaData as parsed at intake (identifiers and qualifiers, xta channel only). */
  xtaMeta: Record<string, unknown> | null;
  createdAt: Date;
  submittedAt: Date | null;
  updatedAt: Date;
}

export type SubmissionPatch = Partial<
  Pick<
    SubmissionRow,
    | 'metadataBlobKey'
    | 'dataBlobKey'
    | 'outputBlobKey'
    | 'outputSha256'
    | 'prozessId'
    | 'packageName'
    | 'mappingModule'
    | 'mappingVersion'
    | 'senderReference'
    | 'reason'
    | 'submittedAt'
    | 'outputs'
    | 'authenticationTags'
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
  metadataBlobKey: 'metadata_blob_key',
  dataBlobKey: 'data_blob_key',
  outputBlobKey: 'output_blob_key',
  outputSha256: 'output_sha256',
  prozessId: 'prozess_id',
  packageName: 'package_name',
  mappingModule: 'mapping_module',
  mappingVersion: 'mapping_version',
  senderReference: 'sender_reference',
  reason: 'reason',
  submittedAt: 'submitted_at',
  outputs: 'outputs',
  authenticationTags: 'authentication_tags',
};

/** Patch fields stored as jsonb (serialized explicitly: node-postgres would turn arrays into PG arrays). */
export const JSON_PATCH_FIELDS: ReadonlySet<keyof SubmissionPatch> = new Set(['outputs', 'authenticationTags']);

export interface SubmissionDbRow {
  submission_id: string;
  case_id: string;
  destination_id: string;
  tenant_id: string;
  sender_client_id: string;
  service_identifier: string;
  service_name: string | null;
  state: SubmissionState;
  announced_attachments: string[];
  callback: { url: string; secret: string } | null;
  metadata_blob_key: string | null;
  data_blob_key: string | null;
  output_blob_key: string | null;
  output_sha256: string | null;
  prozess_id: string | null;
  package_name: string | null;
  mapping_module: string | null;
  mapping_version: string | null;
  sender_reference: string | null;
  reason: string | null;
  outputs: Record<string, StoredOutput> | null;
  authentication_tags: AuthenticationTags | null;
  channel?: 'fit-connect' | 'xta';
  xta_message_id?: string | null;
  xta_meta?: Record<string, unknown> | null;
  created_at: Date;
  submitted_at: Date | null;
  updated_at: Date;
}

/** Maps a submissions row to the API shape. */
export function toSubmission(r: SubmissionDbRow): SubmissionRow {
  return {
    submissionId: r.submission_id,
    caseId: r.case_id,
    destinationId: r.destination_id,
    tenantId: r.tenant_id,
    senderClientId: r.sender_client_id,
    serviceIdentifier: r.service_identifier,
    serviceName: r.service_name,
    state: r.state,
    announcedAttachments: r.announced_attachments,
    callback: r.callback,
    metadataBlobKey: r.metadata_blob_key,
    dataBlobKey: r.data_blob_key,
    outputBlobKey: r.output_blob_key,
    outputSha256: r.output_sha256,
    prozessId: r.prozess_id,
    packageName: r.package_name,
    mappingModule: r.mapping_module,
    mappingVersion: r.mapping_version,
    senderReference: r.sender_reference,
    reason: r.reason,
    outputs: r.outputs,
    authenticationTags: r.authentication_tags,
    channel: r.channel ?? 'fit-connect',
    xtaMessageId: r.xta_message_id ?? null,
    xtaMeta: r.xta_meta ?? null,
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
