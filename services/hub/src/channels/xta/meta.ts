import { z } from 'zod';
import type { MessageMetaData } from '@weiche/xta';

export const XTA_CHANNEL = 'xta';

/**
 * What the XTA channel keeps in the journal row's `channel_meta`: the reader the message was sent to
 * (whose keystore opens it), the authenticated author, the MessageMetaData as parsed at intake
 * (identifiers and qualifiers, echoed in the transport report), and the container as received.
 * The MessageID itself is the row's `channel_ref`.
 */
export const XtaMeta = z.object({
  readerId: z.string(),
  authorId: z.string(),
  messageMetaData: z.custom<MessageMetaData>((v) => typeof v === 'object' && v !== null && 'qualifier' in v && 'messageId' in v, 'MessageMetaData expected'),
  container: z.enum(['encrypted', 'plain']),
  mtom: z.boolean(),
  /** The container as received: EncryptedData ciphertext, or a plain container encrypted at rest. */
  containerBlobKey: z.string(),
});
export type XtaMeta = z.infer<typeof XtaMeta>;
