import type { Adapter, AdapterLogger } from './contract.js';

/** A message the far side left for the hub, e.g. an xdomea 0402 import confirmation in the DMS inbox. */
export interface InboundMessage {
  /** The far side's file or message name (for logs and the failed/ folder; never trusted as a path). */
  readonly name: string;
  readonly content: Buffer;
}

/** What the hub made of one inbound message: filed as processed, or set aside with the reason. */
export type InboundVerdict = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

/**
 * Optional capability of an adapter whose far side answers through it (DMS import confirmations).
 * The hub polls it; the adapter hands over each waiting message once and files it by the verdict, never
 * deleting one silently. When `handle` throws (e.g. the journal is down), the message stays waiting.
 */
export interface ConfirmationInbox {
  /** How often the hub polls, in milliseconds. */
  readonly inboxPollMs: number;
  /**
   * Hands each waiting message to `handle`; returns how many were filed. `log` hears of messages set aside
   * without reaching `handle` (unreadable, too large), never their content.
   */
  collectInbound(handle: (message: InboundMessage) => Promise<InboundVerdict>, signal: AbortSignal, log: AdapterLogger): Promise<number>;
}

/** True when the adapter instance has a confirmation inbox configured. */
export function hasConfirmationInbox(adapter: Adapter): adapter is Adapter & ConfirmationInbox {
  const candidate = adapter as Partial<ConfirmationInbox>;
  return typeof candidate.collectInbound === 'function' && typeof candidate.inboxPollMs === 'number';
}
