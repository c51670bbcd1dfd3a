import { z } from 'zod';

/** The fifth JWE segment of each part, echoed in accept-submission (FIT-Connect: authenticationTags). */
export const AuthenticationTags = z.object({
  metadata: z.string(),
  data: z.string().optional(),
  attachments: z.record(z.string(), z.string()),
});

/**
 * What the FIT-Connect channel keeps in the journal row's `channel_meta`: the case, the destination
 * and sender client, what the sender announced and uploaded (blob keys of the JWEs as received), its
 * callback, and — once opened — the authentication tags accept-submission echoes.
 */
export const FitConnectMeta = z.object({
  caseId: z.string(),
  destinationId: z.string(),
  senderClientId: z.string(),
  announcedAttachments: z.array(z.string()),
  /** The sender's callback: its secret sealed with the tenant's data key (never plaintext in the database). */
  callback: z.object({ url: z.string(), sealedSecret: z.string() }).optional(),
  metadataBlobKey: z.string().optional(),
  dataBlobKey: z.string().optional(),
  authenticationTags: AuthenticationTags.optional(),
});
export type FitConnectMeta = z.infer<typeof FitConnectMeta>;

export const FIT_CONNECT_CHANNEL = 'fit-connect';
/** Submissions to relay destinations: stored and kept for their subscriber, never opened by the hub (docs/adr/0017). */
export const FIT_CONNECT_RELAY_CHANNEL = 'fit-connect-relay';

/** Channels whose submissions came through the hub's own sender API (their senders read the event log and get callbacks). */
export function isSenderApiChannel(channel: string): boolean {
  return channel === FIT_CONNECT_CHANNEL || channel === FIT_CONNECT_RELAY_CHANNEL;
}
