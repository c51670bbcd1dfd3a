import type { ContentFacts } from '@weiche/xoev';
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
  /**
   * What the channel read from the plaintext (declared as `mimeType`) while it verified the hash, so a
   * mapping need not decrypt the attachment once more for them; absent when the channel did not take them.
   */
  facts?: ContentFacts;
  open(): NodeJS.ReadableStream;
}

/** Outcome of one check the hub ran before mapping (shown on the receipt sheet). */
export interface CheckOutcome {
  status: 'passed' | 'failed' | 'not-applicable' | 'not-checked';
  /** Short, non-personal detail, e.g. the algorithm or the signer's certificate subject. */
  detail?: string;
}

/** The checks behind a submission, for the "Laufzettel"; a check the channel does not have is absent. */
export interface SubmissionChecks {
  /** Content decrypted with the destination's / reader's key. */
  decryption?: CheckOutcome;
  /** Hashes of data and attachments match what the sender declared. */
  hashes?: CheckOutcome;
  /** The author's signature over the content (XTA/OSCI); FIT-Connect carries none. */
  authorSignature?: CheckOutcome;
}

/** Where the DMS files the application (per tenant and service, from the config). */
export interface FilingMetadata {
  /** xdomea AllgemeineMetadaten/Aktenplaneinheit/Kennzeichen: the file plan unit, e.g. `63.01.02`. */
  aktenplaneinheit?: string;
  /** xdomea Vorgang/Typ: the kind of Vorgang the DMS expects, e.g. `Bauantrag`. */
  vorgangstyp?: string;
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
  /** The owning authority (zuständige Stelle): the tenant the application is addressed to. */
  tenant: { id: string; name: string; behoerdenkennung: string; organisationseinheit?: string };
  /**
   * The back office that processes it on the owner's behalf (a delegation, docs/delegation.md); absent when
   * the owner processes it itself. The message still names `tenant` as the authority it is addressed to.
   */
  processingTenant?: { id: string; name: string; behoerdenkennung: string; organisationseinheit?: string; delegationId: string };
  /** The sending portal or author; `behoerdenkennung` only when one is configured (never a placeholder). */
  sender: { name: string; behoerdenkennung?: string };
  /** The channel it arrived through, e.g. `fit-connect` or `xta`. */
  channel?: string;
  /** What the hub checked before mapping. */
  checks?: SubmissionChecks;
  /** JSON schema of the form data (by data.schemaUri), for readable labels; absent when unknown. */
  formSchema?: Record<string, unknown>;
  /** Filing metadata configured for the tenant and service (the back office's, whose DMS files it, when delegated). */
  filing?: FilingMetadata;
  data?: { schemaUri: string; mimeType: string; content: Buffer; sha512: string };
  attachments: SubmissionAttachment[];
  hub: { product: string; version: string };
  /** Clock for creation timestamps; absent → wall clock. Injected by the golden kit and replays for deterministic output. */
  now?: () => Date;
  /** Generator for ids (message, Vorgang, Dokument); absent → runMapping derives them from submission and target (UUIDv5), so a replay yields the same ids. */
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
