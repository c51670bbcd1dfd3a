import type { z } from 'zod';

/** The package an adapter delivers: streamed, never handed over as one buffer. */
export interface DeliveryPackage {
  /** File name the far side should see, e.g. `{ProzessID}_Abgabe.Abgabe.0401.zip`. */
  readonly name: string;
  readonly mimeType: string;
  readonly size: number;
  readonly sha256: string;
  readonly submissionId: string;
  readonly tenantId: string;
  /** Opens a fresh stream of the package bytes (call again for a second read). */
  open(): Promise<NodeJS.ReadableStream>;
}

/** The minimum logger an adapter gets (pino satisfies it). Never log package content. */
export interface AdapterLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DeliveryOptions {
  /** `submissionId:routeId`; the same key twice must never create two deliveries. */
  readonly idempotencyKey: string;
  /** Aborted on timeout or shutdown; adapters stop and clean up. */
  readonly signal: AbortSignal;
  readonly log: AdapterLogger;
}

/** What the far side confirmed (file name, HTTP status and id, …); stored in the journal. */
export type DeliveryReceipt = Readonly<Record<string, string | number | boolean>>;

export interface AdapterHealth {
  readonly ok: boolean;
  readonly detail?: string;
}

export interface Adapter {
  readonly kind: string;
  readonly instanceId: string;
  deliver(pkg: DeliveryPackage, options: DeliveryOptions): Promise<DeliveryReceipt>;
  health(): Promise<AdapterHealth>;
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /**
   * Removes work files a crash left behind (a half-written temp file) that are older than `olderThanMs`;
   * returns what it removed, with the submission each belonged to where the adapter knows it, for the audit.
   */
  sweepLeftovers?(olderThanMs: number): Promise<ReadonlyArray<{ readonly file: string; readonly submissionId?: string }>>;
}

/**
 * A message box the hub keeps for recipients that pull (the XTA MsgBoxPort): an adapter offers a
 * package to one identity's box; the recipient fetches and closes it through the hub.
 */
export interface MessageBoxService {
  /** Stores the package for the identity, idempotent per key (a repeat returns the first entry with `duplicate`). */
  offer(input: { identity: string; idempotencyKey: string; pkg: DeliveryPackage; signal: AbortSignal }): Promise<{ messageId: string; duplicate: boolean }>;
  /** True when the identity is configured and its box can take messages. */
  ready(identity: string): Promise<boolean>;
}

/** Services the hub lends adapter kinds that need more than their config; each absent when the hub has none. */
export interface AdapterServices {
  readonly messageBox?: MessageBoxService;
}

/** One adapter kind: its config schema and how to build an instance from a validated config. */
export interface AdapterFactory<C = unknown> {
  readonly kind: string;
  readonly configSchema: z.ZodType<C>;
  /** `services`: what the hub lends (see AdapterServices); adapters that need none ignore it. */
  create(options: { instanceId: string; config: C; services?: AdapterServices }): Adapter;
}
