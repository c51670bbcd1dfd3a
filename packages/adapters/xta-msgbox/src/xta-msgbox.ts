import { z } from 'zod';
import {
  PermanentDeliveryError,
  TransientDeliveryError,
  type Adapter,
  type AdapterFactory,
  type DeliveryOptions,
  type DeliveryPackage,
  type DeliveryReceipt,
  type MessageBoxService,
} from '@weiche/adapter-sdk';

export const XTA_MSGBOX_KIND = 'xta-msgbox';
export const XtaMsgBoxConfig = z.strictObject({
  /** The XTA identity (a Fachverfahren) whose message box receives the packages. */
  identity: z.string().min(3),
});
export type XtaMsgBoxConfig = z.infer<typeof XtaMsgBoxConfig>;

class XtaMsgBoxAdapter implements Adapter {
  readonly kind = XTA_MSGBOX_KIND;
  constructor(
    readonly instanceId: string,
    private readonly config: XtaMsgBoxConfig,
    private readonly box: MessageBoxService | undefined,
  ) {}

  async deliver(pkg: DeliveryPackage, options: DeliveryOptions): Promise<DeliveryReceipt> {
    // without a store the hub is misconfigured: retrying cannot help
    if (!this.box) throw new PermanentDeliveryError(`adapter ${this.instanceId}: the hub serves no XTA message box (no xta section in its config)`);
    try {
      const offered = await this.box.offer({ identity: this.config.identity, idempotencyKey: options.idempotencyKey, pkg, signal: options.signal });
      options.log.info({ identity: this.config.identity, duplicate: offered.duplicate }, 'package offered in the XTA message box');
      return { identity: this.config.identity, xtaMessageId: offered.messageId, duplicate: offered.duplicate };
    } catch (error) {
      if (error instanceof PermanentDeliveryError || error instanceof TransientDeliveryError) throw error;
      // storage hiccups (database, blob store) clear up; the hub classifies its own permanent refusals
      throw new TransientDeliveryError(`offering in the XTA message box failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    if (!this.box) return { ok: false, detail: 'the hub serves no XTA message box' };
    const ok = await this.box.ready(this.config.identity);
    return ok ? { ok } : { ok, detail: `identity ${this.config.identity} is not a configured XTA identity` };
  }
}

/** The `xta-msgbox` adapter kind: delivers a package into the hub's XTA message box of one identity. */
export const xtaMsgBoxAdapter: AdapterFactory<XtaMsgBoxConfig> = {
  kind: XTA_MSGBOX_KIND,
  configSchema: XtaMsgBoxConfig,
  create({ instanceId, config, services }) {
    return new XtaMsgBoxAdapter(instanceId, config, services?.messageBox);
  },
};
