import { z } from 'zod';
import { DeliveryState, SubmissionState } from '@weiche/core';

/** zod schemas of the admin API: requests are validated with them, the OpenAPI document is generated from them. */

const Timestamp = z.iso.datetime({ offset: true });
const Paging = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};

export const PageQuery = z.object(Paging);

export const SubmissionQuery = z.object({
  id: z.string().min(1).optional().describe('submission id'),
  caseId: z.string().min(1).optional(),
  senderReference: z.string().min(1).optional(),
  tenant: z.string().min(1).optional(),
  service: z.string().min(1).optional().describe('service identifier (URN)'),
  state: SubmissionState.optional(),
  from: Timestamp.optional().describe('created at or after (ISO 8601)'),
  to: Timestamp.optional().describe('created before (ISO 8601)'),
  ...Paging,
});

export const SubmissionParams = z.object({ submissionId: z.string().min(1) });
export const RouteParams = z.object({ submissionId: z.string().min(1), routeId: z.string().min(1) });
export const AdapterParams = z.object({ adapterId: z.string().min(1) });
export const TenantParams = z.object({ tenantId: z.string().min(1) });
export const DestinationParams = z.object({ destinationId: z.string().min(1) });

export const ReplayBody = z.object({
  stage: z
    .enum(['open', 'deliver'])
    .describe('open: process again from the encrypted input with the current mapping version; deliver: deliver the packages made with the original mapping version again'),
  reason: z.string().min(1).max(500).optional(),
});
export const RedeliverBody = z.object({ reason: z.string().min(1).max(500).optional() }).default({});
export const DiscardBody = z.object({ reason: z.string().min(1).max(500) });

export const Me = z.object({ subject: z.string(), role: z.enum(['operator', 'tenant-admin', 'auditor']), tenants: z.union([z.literal('all'), z.array(z.string())]) });

export const Tenant = z.object({ id: z.string(), name: z.string(), ags: z.string().optional(), behoerdenkennung: z.string(), organisationseinheit: z.string().optional() });
export const Destination = z.object({
  id: z.string(),
  tenant: z.string(),
  services: z.array(z.object({ identifier: z.string(), name: z.string() })),
});
export const Route = z.object({ id: z.string(), tenant: z.string(), service: z.string(), target: z.string(), mapping: z.string().optional(), adapter: z.string() });
export const Adapter = z.object({
  id: z.string(),
  kind: z.string(),
  tenants: z.array(z.string()),
  concurrency: z.number(),
  paused: z.boolean(),
  circuit: z.object({ state: z.enum(['closed', 'open', 'half-open']), failures: z.number(), opened: z.number() }),
});
export const QueueInfo = z.object({
  name: z.string(),
  adapterInstance: z.string().nullable(),
  counts: z.record(z.string(), z.number()),
  oldestWaitingAgeMs: z.number().nullable(),
  throughputPerMinute: z.array(z.number()).nullable().describe('routes delivered per minute over the last hour, oldest minute first'),
  deliveredLastHour: z.number().nullable(),
});

const Delivery = z.object({
  routeId: z.string(),
  adapterInstance: z.string(),
  target: z.string(),
  state: DeliveryState,
  attempts: z.number(),
  lastError: z.string().nullable(),
  deliveredAt: Timestamp.nullable(),
  updatedAt: Timestamp,
});
export const SubmissionSummary = z.object({
  submissionId: z.string(),
  caseId: z.string(),
  tenantId: z.string(),
  destinationId: z.string(),
  serviceIdentifier: z.string(),
  state: SubmissionState,
  senderReference: z.string().nullable(),
  mappingModule: z.string().nullable(),
  mappingVersion: z.string().nullable(),
  reason: z.string().nullable(),
  discarded: z.boolean(),
  createdAt: Timestamp,
  submittedAt: Timestamp.nullable(),
  updatedAt: Timestamp,
});
export const SubmissionPage = z.object({ total: z.number(), limit: z.number(), offset: z.number(), items: z.array(SubmissionSummary) });
export const DeadLetterPage = z.object({
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
  items: z.array(SubmissionSummary.extend({ failedRoutes: z.array(Delivery) })),
});
export const TimelineEntry = z.object({
  kind: z.enum(['audit', 'attempt', 'event', 'confirmation']),
  at: Timestamp,
  seq: z.number(),
  actor: z.string().optional(),
  stage: z.string().optional(),
  fromState: z.string().nullable().optional(),
  toState: z.string().nullable().optional(),
  inputHash: z.string().nullable().optional(),
  outputHash: z.string().nullable().optional(),
  hash: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  routeId: z.string().optional(),
  attempt: z.number().optional(),
  outcome: z.string().optional(),
  error: z.string().nullable().optional(),
  eventName: z.string().optional(),
  /** confirmation: what the DMS answered (xdomea 0402 per object, 0403). */
  messageType: z.string().optional(),
  objectId: z.string().optional(),
  imported: z.boolean().nullable().optional(),
  reasons: z.array(z.string()).optional(),
  source: z.string().optional(),
});
export const SubmissionDetail = z.object({ submission: SubmissionSummary, deliveries: z.array(Delivery), timeline: z.array(TimelineEntry) });
export const Stats = z.object({
  countsByState: z.array(z.object({ tenantId: z.string(), state: SubmissionState, count: z.number() })),
  deliveredByService: z.array(z.object({ tenantId: z.string(), serviceIdentifier: z.string(), delivered: z.number() })),
  activity: z.array(z.object({ tenantId: z.string(), hour: Timestamp, delivered: z.number(), failed: z.number() })),
});
export const AuditPage = z.object({
  limit: z.number(),
  offset: z.number(),
  items: z.array(z.object({ seq: z.number(), at: Timestamp, actor: z.string(), stage: z.string(), submissionId: z.string().nullable(), details: z.record(z.string(), z.unknown()) })),
});
export const ActionResult = z.object({ ok: z.literal(true), action: z.string(), actor: z.string(), routes: z.array(z.string()).optional() });
export const ProblemBody = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional(), instance: z.string().optional() });

export const list = <T extends z.ZodType>(item: T): z.ZodArray<T> => z.array(item);
