import { z } from 'zod';
import {
  PermanentDeliveryError,
  TransientDeliveryError,
  type Adapter,
  type AdapterFactory,
  type DeliveryOptions,
  type DeliveryPackage,
  type DeliveryReceipt,
} from '@weiche/adapter-sdk';

export const XTA_MSGBOX_KIND = 'xta-msgbox';
/** Key of the store in the creation context the hub passes (`AdapterFactory.create({ context })`). */
export const XTA_MSGBOX_CONTEXT_KEY = 'xtaMessageBox';

export const XtaMsgBoxConfig = z.object({
  /** The XTA identity (a Fachverfahren) whose message box receives the packages. */
  identity: z.string().min(3),
});
export type XtaMsgBoxConfig = z.infer<typeof XtaMsgBoxConfig>;

/** What the hub's message box must offer this adapter; the adapter depends on nothing else of the hub. */
export interface XtaMessageBoxSink {
  offer(input: {
    identity: string;
    idempotencyKey: string;
    pkg: DeliveryPackage;
    signal: AbortSignal;
  }): Promise<{ messageId: string; duplicate: boolean }>;
  /** True when the identity is configured and its box can take messages. */
  ready(identity: string): Promise<boolean>;
}

function isSink(value: unknown): value is XtaMessageBoxSink {
  return typeof value === 'object' && value !== null && typeof (value as XtaMessageBoxSink).offer === 'function' && typeof (value as XtaMessageBoxSink).ready === 'function';
}

class XtaMsgBoxAdapter implements Adapter {
  readonly kind = XTA_MSGBOX_KIND;
  constructor(
    readonly instanceId: string,
    private readonly config: XtaMsgBoxConfig,
    private readonly sink: XtaMessageBoxSink | undefined,
  ) {}

  async deliver(pkg: DeliveryPackage, options: DeliveryOptions): Promise<DeliveryReceipt> {
    // without a store the hub is misconfigured: retrying cannot help
    if (!this.sink) throw new PermanentDeliveryError(`adapter ${this.instanceId}: the hub gave no XTA message box (context.${XTA_MSGBOX_CONTEXT_KEY})`);
    try {
      const offered = await this.sink.offer({ identity: this.config.identity, idempotencyKey: options.idempotencyKey, pkg, signal: options.signal });
      options.log.info({ identity: this.config.identity, duplicate: offered.duplicate }, 'package offered in the XTA message box');
      return { identity: this.config.identity, xtaMessageId: offered.messageId, duplicate: offered.duplicate };
    } catch (error) {
      if (error instanceof PermanentDeliveryError || error instanceof TransientDeliveryError) throw error;
      // storage hiccups (database, blob store) clear up; the hub classifies its own permanent refusals
      throw new TransientDeliveryError(`offering in the XTA message box failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    if (!this.sink) return { ok: false, detail: 'no XTA message box store' };
    const ok = await this.sink.ready(this.config.identity);
    return ok ? { ok } : { ok, detail: `identity ${this.config.identity} is not a configured XTA identity` };
  }
}

/** The `xta-msgbox` adapter kind: delivers a package into the hub's XTA message box of one identity. */
export const xtaMsgBoxAdapter: AdapterFactory<XtaMsgBoxConfig> = {
  kind: XTA_MSGBOX_KIND,
  configSchema: XtaMsgBoxConfig,
  create({ instanceId, config, context }) {
    const sink = context?.[XTA_MSGBOX_CONTEXT_KEY];
    return new XtaMsgBoxAdapter(instanceId, config, isSink(sink) ? sink : undefined);
  },
};
