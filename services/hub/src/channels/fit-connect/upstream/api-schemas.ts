import { z } from 'zod';

// Receiver-side shapes of the Submission API 1.1.3 (OpenAPI components of the same names); unknown fields pass.

/** OAuth2 token response (RFC 6749 §5.1). */
export const TokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.number().positive().optional() });

/**
 * A destinationId (a UUID) in lower case, as the configured one is kept: the same id in other capitals is no other
 * destination (refusing it left every submission for this one unpicked).
 */
const DestinationId = z.string().transform((id) => id.toLowerCase());

/** `SubmissionForPickup`. */
export const SubmissionForPickup = z.object({ destinationId: DestinationId, submissionId: z.string(), caseId: z.string() });
export type SubmissionForPickup = z.infer<typeof SubmissionForPickup>;

/** `SubmissionsForPickup`: one page of the list. */
export const SubmissionsForPickup = z.object({
  count: z.number().int().min(0).optional(),
  offset: z.number().int().min(0).optional(),
  totalCount: z.number().int().min(0).optional(),
  submissions: z.array(SubmissionForPickup),
});

/** `Submission` as a subscriber fetches it. */
export const UpstreamSubmission = z.object({
  destinationId: DestinationId,
  submissionId: z.string(),
  caseId: z.string(),
  // "Liste von UUIDs der Anlagen" (each `format: uuid`): an id repeated would be downloaded and delivered once per
  // entry, and one that is no UUID names no attachment the Submission API can hold
  attachments: z
    .array(z.guid())
    .refine((ids) => new Set(ids.map((id) => id.toLowerCase())).size === ids.length, 'attachment ids repeat')
    .default([]),
  serviceType: z.object({ identifier: z.string().min(1), name: z.string().optional() }),
  encryptedMetadata: z.string().optional(),
  encryptedData: z.string().optional(),
});
export type UpstreamSubmission = z.infer<typeof UpstreamSubmission>;

/** `EventLog`: one page of a case's SETs. */
export const EventLogPage = z.object({
  count: z.number().int().min(0).optional(),
  offset: z.number().int().min(0).optional(),
  totalCount: z.number().int().min(0).optional(),
  eventLog: z.array(z.string()),
});

/** `CallbackNewSubmissions`: the deprecated `submissionIds` and the newer `submissions`; the type is never a reason to refuse. */
export const NewSubmissionsCallback = z.object({
  type: z.string().optional(),
  submissionIds: z.array(z.string()).optional(),
  submissions: z.array(z.object({ submissionId: z.string(), caseId: z.string().optional() })).optional(),
});
