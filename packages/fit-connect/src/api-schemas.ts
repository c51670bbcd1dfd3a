// Request/response bodies of the FIT-Connect Submission API, following
// the official submission-api-1.1.3.yaml (components/schemas; installed by `npm test` into .weiche/schemas/fit-connect).
// UUIDs use z.guid(): the OpenAPI says `format: uuid`, which JSON Schema validators (ajv-formats)
// check by shape only, without RFC 9562 version bits.
import { z } from 'zod';

const Uuid = z.guid();
/** OpenAPI: pattern for JWE strings (Attachment, SubmitSubmission.*). */
const JweString = z.string().regex(/^[a-zA-Z0-9-_=.]+$/);
/** Leistungs-Identifikator (URN), OpenAPI ServiceType.identifier. */
export const ServiceIdentifier = z
  .string()
  .min(7)
  .max(255)
  .regex(/^urn:[a-z0-9][a-z0-9-]{0,31}:[a-z0-9()+,.:=@;$_!*'%/?#-]+$/);
const HttpsUrl = z
  .string()
  .min(9)
  .url()
  .regex(/^https:\/\/.+/);

export const CreateCallback = z.object({ url: HttpsUrl, secret: z.string().min(32).max(512) });
export type CreateCallback = z.infer<typeof CreateCallback>;

/** POST /v1/submissions. OpenAPI 1.1.3 requires serviceType.name here (unlike the ServiceType component). */
export const CreateSubmission = z.object({
  destinationId: Uuid,
  // required in the OpenAPI (an empty list when there are none): a create without it is a 400, not a guess
  announcedAttachments: z.array(Uuid),
  caseId: Uuid.optional(),
  serviceType: z.object({
    name: z.string(),
    description: z.string().optional(),
    identifier: ServiceIdentifier,
  }),
  callback: CreateCallback.optional(),
});
export type CreateSubmission = z.infer<typeof CreateSubmission>;

/** PUT /v1/submissions/{submissionId}: compact JWE strings. */
export const SubmitSubmission = z.object({
  encryptedMetadata: JweString,
  encryptedData: JweString.optional(),
});
export type SubmitSubmission = z.infer<typeof SubmitSubmission>;

/** 201 answer of POST /v1/submissions. */
export const SubmissionCreated = z.object({
  destinationId: Uuid,
  submissionId: Uuid,
  caseId: Uuid,
});
export type SubmissionCreated = z.infer<typeof SubmissionCreated>;

export const SubmissionSchema = z.object({
  mimeType: z.enum(['application/json', 'application/xml']),
  schemaUri: z.string().url(),
});
export type SubmissionSchema = z.infer<typeof SubmissionSchema>;

/** Amtlicher Regionalschlüssel with 'DE' prefix. */
export const ServiceRegion = z
  .string()
  .min(2)
  .max(14)
  .regex(/^DE[0-9]{0,12}$/);

export const DestinationService = z.object({
  identifier: ServiceIdentifier,
  regions: z.array(ServiceRegion).min(1),
  submissionSchemas: z.array(SubmissionSchema).min(1),
});
export type DestinationService = z.infer<typeof DestinationService>;

/** Deprecated in the OpenAPI but still part of PublicDestination. */
export const ReplyChannel = z
  .object({
    deMail: z.object({}).passthrough().optional(),
    elster: z.object({}).passthrough().optional(),
    eMail: z.object({ usePgp: z.boolean().optional() }).passthrough().optional(),
    fink: z.object({}).passthrough().optional(),
  })
  .refine((o) => Object.keys(o).length >= 1, { message: 'at least one reply channel' });

/** GET /v1/destinations/{destinationId}. */
export const PublicDestination = z.object({
  destinationId: Uuid,
  encryptionKid: z.string().max(64),
  metadataVersions: z
    .array(z.string().regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/))
    .min(1)
    .refine((v) => new Set(v).size === v.length, { message: 'metadataVersions must be unique' }),
  replyChannels: ReplyChannel.optional(),
  services: z.array(DestinationService).min(1),
  status: z.enum(['created', 'active', 'inactive', 'decommissioned']),
});
export type PublicDestination = z.infer<typeof PublicDestination>;

/** GET /v1/cases/{caseId}/events: SETs, newest last. */
export const EventLog = z.object({
  count: z.number().int().min(0).max(500).optional(),
  offset: z.number().int().min(0).optional(),
  totalCount: z.number().int().min(0).optional(),
  eventLog: z
    .array(z.string().regex(/\w+\.\w+\.\w+/))
    .max(500),
});
export type EventLog = z.infer<typeof EventLog>;
