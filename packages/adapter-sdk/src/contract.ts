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
}

/** One adapter kind: its config schema and how to build an instance from a validated config. */
export interface AdapterFactory<C = unknown> {
  readonly kind: string;
  readonly configSchema: z.ZodType<C>;
  /**
   * `context`: services the hub lends an adapter kind that needs more than its config (e.g. the XTA
   * message box store under `xtaMessageBox`); adapters that need none ignore it.
   */
  create(options: { instanceId: string; config: C; context?: Readonly<Record<string, unknown>> }): Adapter;
}
