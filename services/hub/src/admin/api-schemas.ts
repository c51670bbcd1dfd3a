import { z } from 'zod';
import { DeliveryState, SubmissionState } from '@weiche/core';
import { queryInteger } from '../gateway/query-integer.js';

/** zod schemas of the admin API: requests are validated with them, the OpenAPI document is generated from them. */

const Timestamp = z.iso.datetime({ offset: true });
/** A point in time in a reply: the handler returns a Date, JSON carries it as an ISO 8601 string (date-time in the OpenAPI document). */
const Instant = z.date();
const Paging = {
  limit: queryInteger({ min: 1, max: 500, default: 50 }),
  offset: queryInteger({ min: 0, max: Number.MAX_SAFE_INTEGER, default: 0 }),
};

export const PageQuery = z.object(Paging);

const SubmissionFilter = {
  id: z.string().min(1).optional().describe('submission id'),
  caseId: z.string().min(1).optional(),
  senderReference: z.string().min(1).optional(),
  tenant: z.string().min(1).optional(),
  service: z.string().min(1).optional().describe('service identifier (URN)'),
  state: SubmissionState.optional(),
  from: Timestamp.optional().describe('created at or after (ISO 8601)'),
  to: Timestamp.optional().describe('created before (ISO 8601); a range whose from is not before it is answered 400'),
};
export const SubmissionQuery = z.object({ ...SubmissionFilter, ...Paging });

/** How a CSV export is written: RFC 4180 (comma, CRLF) or for a German spreadsheet (semicolon, UTF-8 byte order mark). */
export const CsvDialect = z.enum(['rfc4180', 'excel-de']).default('rfc4180').describe('rfc4180: comma-separated; excel-de: semicolons and a UTF-8 byte order mark');
export const SubmissionCsvQuery = z.object({ ...SubmissionFilter, dialect: CsvDialect });

/** Filters of the dead-letter list; a bulk action takes the same filter to select all of its matches. */
export const DeadLetterFilter = z.object({
  tenant: z.string().min(1).optional(),
  adapter: z.string().min(1).optional().describe('adapter instance of a failed route'),
  service: z.string().min(1).optional().describe('service identifier (URN)'),
  error: z.string().min(1).max(200).optional().describe('text contained in the failure reason or a failed route\'s last error (case-insensitive)'),
});
export const DeadLetterQuery = DeadLetterFilter.extend(Paging);
export const DeadLetterCsvQuery = DeadLetterFilter.extend({ dialect: CsvDialect });

/** Most submissions one bulk request acts on. */
export const BULK_MAX = 1000;
export const BulkAction = z
  .object({
    action: z
      .enum(['replay', 'redeliver', 'discard'])
      .describe('replay: process again from the encrypted input (current mapping version); redeliver: deliver the stored packages of every failed route again; discard: acknowledge the dead letter'),
    reason: z.string().trim().min(1).max(500).describe('recorded in the audit record of every submission'),
    ids: z.array(z.string().min(1)).min(1).max(BULK_MAX).optional().describe('the submissions to act on'),
    filter: DeadLetterFilter.optional().describe('instead of ids: every dead letter the filter selects (not only one page)'),
  })
  .refine((b) => (b.ids === undefined) !== (b.filter === undefined), { message: 'give either ids or filter' });
export const BulkResult = z.object({
  action: z.enum(['replay', 'redeliver', 'discard']),
  actor: z.string(),
  batch: z.string().describe('id that every audit record of this request carries in details.batch'),
  total: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  results: z.array(
    z.object({
      submissionId: z.string(),
      ok: z.boolean(),
      status: z.number().describe('HTTP status the single action would have answered'),
      routes: z.array(z.string()).optional(),
      error: z.string().optional(),
    }),
  ),
});

export const StatsQuery = z.object({
  from: Timestamp.optional().describe('start of the range (ISO 8601); default 24 hours before `to`'),
  to: Timestamp.optional().describe('end of the range (ISO 8601); default now'),
});

export const AuditRecordQuery = z.object({
  submissionId: z.string().min(1).optional(),
  from: Timestamp.optional().describe('records at or after (ISO 8601)'),
  to: Timestamp.optional().describe('records before (ISO 8601); a range whose from is not before it is answered 400'),
  ...Paging,
});
export const AuditRecordPage = z.object({
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
  items: z.array(
    z.object({
      seq: z.number(),
      at: Instant,
      submissionId: z.string().nullable(),
      tenantId: z.string().nullable(),
      actor: z.string(),
      stage: z.string(),
      fromState: z.string().nullable(),
      toState: z.string().nullable(),
      inputHash: z.string().nullable(),
      outputHash: z.string().nullable(),
      prevHash: z.string(),
      hash: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  ),
});
export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  checked: z.number().describe('records checked and found intact'),
  total: z.number().describe('records in the chain'),
  firstBad: z.object({ chain: z.string(), seq: z.number(), reason: z.string() }).optional(),
  message: z.string(),
});

export const SignInOptions = z.object({
  token: z.literal(true).describe('pasting an admin token always works'),
  oidc: z
    .object({
      issuer: z.string(),
      clientId: z.string(),
      scopes: z.array(z.string()),
    })
    .nullable()
    .describe('authorization code flow with PKCE through this provider (discovery at {issuer}/.well-known/openid-configuration)'),
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
export const AdapterHealth = z
  .object({
    verdict: z.enum(['healthy', 'degraded', 'failing', 'unknown']),
    reasons: z.array(z.enum(['circuit-open', 'circuit-half-open', 'check-failed', 'deliveries-failing', 'recent-failures', 'not-checked', 'check-stale'])),
    check: z
      .object({ at: Timestamp, ok: z.boolean(), detail: z.string().nullable(), lastOkAt: Timestamp.nullable(), failureStreak: z.number() })
      .nullable()
      .describe("the last call of the adapter's health() (a dispatcher calls it every adapters[].health.intervalMs)"),
    deliveries: z
      .object({ lastSuccessAt: Timestamp.nullable(), lastErrorAt: Timestamp.nullable(), lastError: z.string().nullable(), failureStreak: z.number().describe('failed delivery attempts in a row') })
      .describe('delivery attempts as the journal recorded them'),
  })
  .describe('failing: circuit open, health check failed, or at least failureThreshold attempts in a row failed (whatever the circuit says)');
export const Adapter = z.object({
  id: z.string(),
  kind: z.string(),
  tenants: z.array(z.string()),
  concurrency: z.number(),
  paused: z.boolean(),
  circuit: z.object({ state: z.enum(['closed', 'open', 'half-open']), failures: z.number(), opened: z.number() }),
  health: AdapterHealth,
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
  deliveredAt: Instant.nullable(),
  updatedAt: Instant,
});
export const SubmissionSummary = z.object({
  submissionId: z.string(),
  tenantId: z.string(),
  channel: z.string().describe('intake channel (fit-connect, xta)'),
  channelRef: z.string().describe("the channel's own reference of the message (e.g. an XTA MessageID)"),
  caseId: z.string().nullable().describe('the case of the event log, where the channel keeps one (FIT-Connect)'),
  serviceIdentifier: z.string(),
  state: SubmissionState,
  senderReference: z.string().nullable(),
  mappingModule: z.string().nullable(),
  mappingVersion: z.string().nullable(),
  reason: z.string().nullable(),
  discarded: z.boolean(),
  processingTenantId: z.string().nullable().describe('who processes it: the owner, or the back office of delegationId (docs/delegation.md); null until routed'),
  delegationId: z.string().nullable(),
  createdAt: Instant,
  submittedAt: Instant.nullable(),
  updatedAt: Instant,
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
  at: Instant,
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
  attempt: z.number().optional().describe("attempt: the route's attempt number across redeliveries, as the delivery's attempts count them"),
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
  range: z.object({ from: Instant, to: Instant, bucket: z.enum(['hour', 'day']) }),
  countsByState: z.array(z.object({ tenantId: z.string(), state: SubmissionState, count: z.number() })),
  deliveredByService: z.array(z.object({ tenantId: z.string(), serviceIdentifier: z.string(), delivered: z.number() })),
  activity: z.array(z.object({ tenantId: z.string(), hour: Instant.describe('start of the bucket (an hour or a day, UTC)'), delivered: z.number(), failed: z.number() })),
});
export const AuditPage = z.object({
  limit: z.number(),
  offset: z.number(),
  items: z.array(z.object({ seq: z.number(), at: Instant, actor: z.string(), stage: z.string(), submissionId: z.string().nullable(), details: z.record(z.string(), z.unknown()) })),
});
export const ActionResult = z.object({ ok: z.literal(true), action: z.string(), actor: z.string(), routes: z.array(z.string()).optional() });
export const ProblemBody = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional(), instance: z.string().optional() });

export const list = <T extends z.ZodType>(item: T): z.ZodArray<T> => z.array(item);
