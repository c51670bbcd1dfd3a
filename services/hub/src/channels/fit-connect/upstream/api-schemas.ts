import { z } from 'zod';

// Receiver-side shapes of the Submission API 1.1.3 (OpenAPI components of the same names); unknown fields pass.

/** OAuth2 token response (RFC 6749 §5.1). */
export const TokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.number().positive().optional() });

/**
 * A destinationId (a UUID) in lower case, as the configured one is kept: the same id in other capitals is no other
 * destination (refusing it left every submission for this one unpicked).
 */
const DestinationId = z.string().transform((id) => id.toLowerCase());

/**
 * A submission's or case's id (`format: uuid`) in lower case (RFC 9562 §4: UUIDs are compared without regard to
 * case): the same submission listed, fetched, named by a callback or a SET's `sub` in other capitals is the same one
 * — one journal row, one answer (the hub's own API takes them so too).
 */
export const UpstreamUuid = z.guid().transform((id) => id.toLowerCase());

/** Whether a SET's claim (`sub`: `submission:<uuid>`, `txn`: `case:<uuid>`, `iss`: a destinationId) names `expected`, in any capitals. */
export function claimNames(claim: unknown, expected: string): boolean {
  return typeof claim === 'string' && claim.toLowerCase() === expected.toLowerCase();
}

/** `SubmissionForPickup` (its ids `format: uuid`: one that is none names no submission the hub could fetch or answer). */
export const SubmissionForPickup = z.object({ destinationId: DestinationId, submissionId: UpstreamUuid, caseId: UpstreamUuid });
export type SubmissionForPickup = z.infer<typeof SubmissionForPickup>;

/**
 * `SubmissionsForPickup`: one page of the list. Its entries are read one by one (SubmissionForPickup): one that is
 * not of the API's shape must not make the page unreadable, and with it every submission listed on it and after it.
 */
export const SubmissionsForPickup = z.object({
  count: z.number().int().min(0).optional(),
  offset: z.number().int().min(0).optional(),
  totalCount: z.number().int().min(0).optional(),
  submissions: z.array(z.unknown()),
});

/** A list entry that is no SubmissionForPickup: why (the schema's complaint, without the entry's values). */
export interface UnreadableListEntry {
  readonly unreadable: string;
}

/** `Submission` as a subscriber fetches it. */
export const UpstreamSubmission = z.object({
  destinationId: DestinationId,
  submissionId: UpstreamUuid,
  caseId: UpstreamUuid,
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

/** The ids by which an answer names itself the submission asked for, whatever else it holds (see SubmissionOffApi). */
export const SubmissionIdentity = z.object({ submissionId: UpstreamUuid, caseId: UpstreamUuid });

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
  submissionIds: z.array(z.string().transform((id) => id.toLowerCase())).optional(),
  submissions: z.array(z.object({ submissionId: z.string().transform((id) => id.toLowerCase()), caseId: z.string().optional() })).optional(),
});
