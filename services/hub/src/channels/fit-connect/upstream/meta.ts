import { z } from 'zod';
import { ErrorCode, type SubmissionPart } from '@weiche/core';
import { FitConnectMeta } from '../meta.js';

export const FIT_CONNECT_UPSTREAM_CHANNEL = 'fit-connect-upstream';

/**
 * What the upstream channel keeps in `channel_meta`: the FIT-Connect fields the shared opening reads (case,
 * destination, announced attachments, blob keys of the JWEs as fetched, then the authentication tags), plus
 * which upstream it came from, the upstream's submission id (also the row's `channel_ref`), when the sender
 * submitted it upstream (the Zustelldienst's clocks run from there), the fetched attachments, the
 * Zustelldienst's submit-submission SET that verified (evidence), and — when the case's event log did not
 * verify — why (the submission is then rejected without being opened). `pickupProblem`: why the upstream's data
 * could never be taken as it is (over a limit of the hub, not the API's shape); the row then holds what was fetched
 * within the limits, and is rejected unopened like one whose event log did not verify — with `code` (default
 * `WEICHE_ERR_INPUT_REFUSED`; `WEICHE_ERR_MISSING_ATTACHMENTS` for an announced attachment the Zustelldienst does not have).
 */
export const FitConnectUpstreamMeta = FitConnectMeta.extend({
  upstreamId: z.string(),
  upstreamSubmissionId: z.string(),
  upstreamSubmittedAt: z.string().optional(),
  attachmentBlobs: z.array(z.object({ attachmentId: z.string(), blobKey: z.string(), size: z.number() })),
  submitEvent: z.string().optional(),
  eventLogProblem: z.string().optional(),
  pickupProblem: z
    .object({
      part: z.custom<SubmissionPart>((v) => typeof v === 'string' && (['metadata', 'data', 'submission'].includes(v) || v.startsWith('attachment:'))),
      detail: z.string(),
      code: z.enum([ErrorCode.INPUT_REFUSED, ErrorCode.MISSING_ATTACHMENTS]).optional(),
    })
    .optional(),
});
export type FitConnectUpstreamMeta = z.infer<typeof FitConnectUpstreamMeta>;
