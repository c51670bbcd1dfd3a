import { ErrorCode, WeicheError } from '@weiche/core';
import type { Channel } from './channel.js';

/** The channels this hub runs, by name; the one place that knows which exist. */
export class ChannelRegistry {
  private readonly byName: ReadonlyMap<string, Channel>;

  constructor(channels: readonly Channel[]) {
    const byName = new Map<string, Channel>();
    for (const channel of channels) {
      if (byName.has(channel.name)) throw new WeicheError(ErrorCode.CONFIG_INVALID, `channel ${channel.name} registered twice`);
      byName.set(channel.name, channel);
    }
    this.byName = byName;
  }

  /** The channel of a journal row; a row of a channel this hub does not run fails for an operator (not retried). */
  get(name: string): Channel {
    const channel = this.byName.get(name);
    if (!channel) throw new WeicheError(ErrorCode.CONFIG_INVALID, `channel ${name} is not configured on this hub`, { retryable: false });
    return channel;
  }

  all(): readonly Channel[] {
    return [...this.byName.values()];
  }
}
