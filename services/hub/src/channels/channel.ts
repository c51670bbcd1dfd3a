import type { FastifyPluginAsync } from 'fastify';
import type { SubmissionRow } from '@weiche/journal';
import type { SubmissionAttachment, SubmissionChecks } from '@weiche/mapping-sdk';

/**
 * A submission after its channel decrypted and verified it: what mapping needs, in the pipeline's
 * own terms. Plaintext exists only in memory (data) or is decrypted again on demand (attachments).
 */
export interface OpenedSubmission {
  /** The structured form data (Fachdaten), when the submission has any. */
  readonly data?: { readonly content: Buffer; readonly schemaUri: string; readonly mimeType: string; readonly sha512: string };
  readonly attachments: readonly SubmissionAttachment[];
  /** The sender as xÖV messages name it; `behoerdenkennung` only where one is known (never invented). */
  readonly sender: { readonly name: string; readonly behoerdenkennung?: string };
  /** The sender's own reference of the application, when it gave one. */
  readonly senderReference?: string;
  /** The hash of what was opened (the audit record's input hash). */
  readonly inputHash?: string;
  /** What the channel checked (keys, algorithms, signature verdicts, counts) for the OPENED audit record; ids and verdicts only. */
  readonly evidence: Readonly<Record<string, unknown>>;
  /** The same checks as the receipt sheet ("Laufzettel") of the xÖV message shows them. */
  readonly checks: SubmissionChecks;
  /** Channel metadata to keep with OPENED (e.g. what the acknowledgement must echo). */
  readonly channelMeta?: unknown;
}

/**
 * What a channel keeps of a submission, for evidence bundles and retention: the stored bytes as received
 * (content-addressed, so each blob key is the sha256 of what is stored) and its own record of what the
 * sender was told.
 */
export interface ChannelRecord {
  /** Parts as stored at intake (`metadata`, `data`, `attachment:<id>`, `container`), with `atRest` when the hub encrypted a plain part for storage. */
  readonly received: ReadonlyArray<{ readonly part: string; readonly blobKey: string; readonly size?: number; readonly atRest?: boolean }>;
  /** What the sender was told in the channel's terms (FIT-Connect: the submission's events as signed SETs; XTA: the transport report). */
  readonly transport: Readonly<Record<string, unknown>>;
}

/**
 * One intake channel of the hub (docs/architecture.md, "The flow"): it takes submissions in (HTTP
 * routes, or pollers of an upstream), stores them RECEIVED in the channel-neutral journal, opens
 * them for the processor and tells the sender the outcome in its own terms. The processor and the
 * dispatcher know channels only through this interface.
 */
export interface Channel {
  /** The channel's name, as stored in the journal (`fit-connect`, `xta`, …). */
  readonly name: string;
  /** Decrypts and verifies a RECEIVED submission; input problems are thrown as catalogue input problems. */
  open(row: SubmissionRow): Promise<OpenedSubmission>;
  /**
   * Tells the sender (or the upstream it came from) the final outcome of a DELIVERED or REJECTED
   * submission: accept/reject events, a transport report, a close upstream. Must be idempotent — it is
   * called again after a crash until the journal records the acknowledgement. Returns what it did (ids only)
   * for the audit record.
   */
  acknowledge(row: SubmissionRow): Promise<Record<string, unknown>>;
  /** What the channel keeps of a submission (evidence bundles, retention); a channel without it keeps its received data for ever. */
  record?(row: SubmissionRow): Promise<ChannelRecord>;
  /**
   * Retention of copies of output packages the channel keeps itself (the XTA message box): deletes those of the
   * tenant that are due as of `before`, audited; returns how many it deleted.
   */
  retainOutputs?(opts: { tenantId: string; before: Date; now: Date; actor: string; outputsDays: number }): Promise<number>;
  /**
   * Its submissions wait for someone outside the hub (a relay destination's subscriber, docs/adr/0017): the processor
   * never opens them and the reconciler never enqueues them.
   */
  readonly awaitsPickup?: boolean;
  /** HTTP routes the gateway mounts for this channel (intake, status), if it serves any. */
  readonly routes?: FastifyPluginAsync;
  /** Background work of the channel (e.g. polling an upstream), run by the processor role. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
