import type { z } from 'zod';

/** `<standard>:<message>`, e.g. `xdomea-3.1.0:0401`. */
export type TargetProfile = `${string}:${string}`;

/** Standards whose messages a mapping can produce (ids of schemas/xoev/manifest.json). */
export type TargetStandardId = 'xdomea-3.1.0' | 'xbau-2.6';

/** An attachment of the submission; its bytes are opened on demand (claim check, never held in the job). */
export interface SubmissionAttachment {
  attachmentId: string;
  purpose: string;
  mimeType: string;
  filename?: string;
  description?: string;
  size: number;
  sha512: string;
  open(): NodeJS.ReadableStream;
}

/** Everything a mapping may read about one decrypted, verified submission. */
export interface SubmissionContext {
  submissionId: string;
  /** The FIT-Connect case, where the submission's channel has one. */
  caseId?: string;
  serviceIdentifier: string;
  serviceName?: string;
  senderReference?: string;
  receivedAt: Date;
  tenant: { id: string; name: string; behoerdenkennung: string; organisationseinheit?: string };
  sender: { name: string; behoerdenkennung: string };
  data?: { schemaUri: string; mimeType: string; content: Buffer; sha512: string };
  attachments: SubmissionAttachment[];
  hub: { product: string; version: string };
  /** Clock for creation timestamps; absent → wall clock. Injected by the golden kit and replays for deterministic output. */
  now?: () => Date;
  /** Generator for fresh UUIDs (message, Vorgang, Dokument ids); absent → crypto.randomUUID. */
  newId?: () => string;
  /** Schema cache holding XSDs and code lists; absent → the module's own option or resolveSchemaCacheDir(). */
  schemaCacheDir?: string;
}

/** One file of the delivery package (name already safe and unique). */
export interface PackageEntry {
  name: string;
  mimeType: string;
  source: Buffer | (() => NodeJS.ReadableStream);
}

/** What a mapping hands to delivery: the message XML plus the primary files. */
export interface MappingResult {
  targetProfile: TargetProfile;
  standardId: TargetStandardId;
  packageName: string;
  messageName: string;
  messageXml: string;
  documents: PackageEntry[];
  prozessId: string;
  /**
   * What the module noticed but did not refuse (e.g. an attachment the message does not reference, delivered
   * anyway): written to the audit record of the mapping, never shown as an error. No personal data.
   */
  notes?: string[];
}

/** An XML payload (e.g. from XTA) recognised by its root element's namespace and local name. */
export interface XmlMappingSource {
  xmlNamespace: string;
  rootElement: string;
}

/** Which submissions a module accepts: an exact data schema URI, any ('*'), or an XML namespace + root element. */
export type MappingSource = { schemaUri: string } | { schemaUri: '*' } | XmlMappingSource;

/** The contract every mapping module implements. */
export interface MappingModule<I = unknown> {
  readonly id: string;
  /** semver */
  readonly version: string;
  readonly sources: ReadonlyArray<MappingSource>;
  readonly target: TargetProfile;
  /** Applied to the parsed data before map() sees it. */
  readonly inputSchema: z.ZodType<I>;
  map(input: I, ctx: SubmissionContext): Promise<MappingResult> | MappingResult;
}
