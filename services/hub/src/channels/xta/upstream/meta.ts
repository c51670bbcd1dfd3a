import { z } from 'zod';
import { XtaMeta } from '../meta.js';

export const XTA_UPSTREAM_CHANNEL = 'xta-upstream';

/**
 * What the XTA upstream channel keeps in `channel_meta`: the XTA channel's own record of a message (reader,
 * author, MessageMetaData, container as received) plus the upstream box it was picked up from. The row's
 * `channel_ref` is `<reader>/<MessageID>` (xtaUpstreamRef): one box entry is taken in once, and the same
 * MessageID sent to two readers of this hub is two submissions.
 */
export const XtaUpstreamMeta = XtaMeta.extend({
  upstreamId: z.string(),
  /**
   * `unreadable`: the intermediary's answer broke the profile; kept as received (encrypted at rest) and rejected with `unreadableReason`.
   * `refused`: the answer was over the hub's limit, so it can never be fetched; nothing of it is kept (no `containerBlobKey`),
   * it is taken in under the listed MessageMetaData and rejected with `refusedReason`.
   */
  container: z.enum(['encrypted', 'plain', 'unreadable', 'refused']),
  containerBlobKey: z.string().optional(),
  unreadableReason: z.string().optional(),
  refusedReason: z.string().optional(),
  /** When the author sent it (DeliveryAttributes InitialSend, else Origin): the age an operator's view counts from. */
  upstreamSubmittedAt: z.string().optional(),
});
export type XtaUpstreamMeta = z.infer<typeof XtaUpstreamMeta>;

/** The journal reference of a message in a reader's upstream box. */
export function xtaUpstreamRef(reader: string, messageId: string): string {
  return `${reader}/${messageId}`;
}
