import type { SubmissionRow } from '@weiche/journal';
import type { ChannelRecord } from './channel.js';
import type { ChannelRegistry } from './registry.js';

/** The channel's record of a submission (evidence bundles, retention); null for a channel this hub does not run or that keeps none. */
export async function channelRecord(deps: { readonly channels: ChannelRegistry }, row: SubmissionRow): Promise<ChannelRecord | null> {
  const channel = deps.channels.all().find((c) => c.name === row.channel);
  return channel?.record ? channel.record(row) : null;
}
