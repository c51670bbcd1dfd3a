import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { ErrorCode } from '@weiche/core';
import type { DeadLetterFilter, JournalQueries, SubmissionSearch } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import { httpProblem } from '../gateway/problems.js';
import { isAdapterPaused } from '../operations.js';
import { adapterHealthOf } from './adapter-health-view.js';
import * as S from './api-schemas.js';
import { assertSeesSubmission, assertSeesTenant, ownsAdapter, seesAdapter, seesTenant, tenantScope, type Principal } from './principal.js';
import { circuitOf, jobCounts, oldestWaitingAgeMs } from './queue-status.js';
import { routeSchema } from './route-schema.js';
import { assertFromBeforeTo, timeRange } from './time-range.js';
import { zodRoutes } from '../gateway/zod-routes.js';

type AdapterInstance = HubDeps['config']['adapters'][number];
type Who = (request: unknown) => Principal;

const MINUTES = 60;

/** Read endpoints of the admin API; every list is filtered to the principal's tenants. */
export function readRoutes(deps: HubDeps, queries: JournalQueries, who: Who) {
  const { config } = deps;

  async function adapterView(principal: Principal, instance: AdapterInstance): Promise<z.input<typeof S.Adapter>> {
    // a shared instance lists only the caller's tenants: others' names are not theirs to see
    const tenants = [...new Set(config.routes.filter((r) => r.adapter === instance.id).map((r) => r.tenant))].filter((t) => seesTenant(principal, t)).sort();
    return {
      id: instance.id,
      kind: instance.kind,
      tenants,
      concurrency: instance.concurrency,
      paused: await isAdapterPaused(deps, instance.id),
      circuit: await circuitOf(deps, instance),
      health: visibleHealth(await adapterHealthOf(deps, instance), ownsAdapter(principal, config, instance.id)),
    };
  }

  function findAdapter(principal: Principal, adapterId: string): AdapterInstance {
    const instance = config.adapters.find((a) => a.id === adapterId);
    if (!instance || !seesAdapter(principal, config, instance.id)) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such adapter instance');
    return instance;
  }

  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.get('/me', { schema: routeSchema({ summary: 'The caller: subject, role and tenants', tags: ['session'], response: { 200: S.Me } }) }, async (request) => {
      const p = who(request);
      return { subject: p.subject, role: p.role, tenants: p.tenants === 'all' ? ('all' as const) : [...p.tenants].sort() };
    });

    app.get('/tenants', { schema: routeSchema({ summary: 'Tenants (municipalities)', tags: ['configuration'], response: { 200: S.list(S.Tenant) } }) }, async (request) => {
      const p = who(request);
      return config.tenants.filter((t) => seesTenant(p, t.id));
    });

    app.get(
      '/tenants/:tenantId',
      { schema: routeSchema({ summary: 'One tenant', tags: ['configuration'], params: S.TenantParams, response: { 200: S.Tenant } }) },
      async (request) => {
        const tenant = config.tenants.find((t) => t.id === request.params.tenantId);
        if (!tenant) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such tenant');
        assertSeesTenant(who(request), tenant.id, 'tenant');
        return tenant;
      },
    );

    const destinationView = (d: HubDeps['config']['destinations'][number]): z.input<typeof S.Destination> => ({
      id: d.id,
      tenant: d.tenant,
      services: d.services.map((s) => ({ identifier: s.identifier, name: s.name })),
    });
    app.get('/destinations', { schema: routeSchema({ summary: 'FIT-Connect destinations', tags: ['configuration'], response: { 200: S.list(S.Destination) } }) }, async (request) => {
      const p = who(request);
      return config.destinations.filter((d) => seesTenant(p, d.tenant)).map(destinationView);
    });
    app.get(
      '/destinations/:destinationId',
      { schema: routeSchema({ summary: 'One destination', tags: ['configuration'], params: S.DestinationParams, response: { 200: S.Destination } }) },
      async (request) => {
        const d = config.destinations.find((x) => x.id === request.params.destinationId);
        if (!d) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such destination');
        assertSeesTenant(who(request), d.tenant, 'destination');
        return destinationView(d);
      },
    );

    app.get('/routes', { schema: routeSchema({ summary: 'Routes (tenant × service → adapter instance)', tags: ['configuration'], response: { 200: S.list(S.Route) } }) }, async (request) => {
      const p = who(request);
      return config.routes.filter((r) => seesTenant(p, r.tenant));
    });

    app.get(
      '/adapters',
      { schema: routeSchema({ summary: 'Adapter instances with circuit state, paused flag and health (last check, last success and error, failure streak, verdict)', tags: ['operations'], response: { 200: S.list(S.Adapter) } }) },
      async (request) => {
        const p = who(request);
        return Promise.all(config.adapters.filter((a) => seesAdapter(p, config, a.id)).map((a) => adapterView(p, a)));
      },
    );
    app.get(
      '/adapters/:adapterId',
      { schema: routeSchema({ summary: 'One adapter instance', tags: ['operations'], params: S.AdapterParams, response: { 200: S.Adapter } }) },
      async (request) => {
        const p = who(request);
        return adapterView(p, findAdapter(p, request.params.adapterId));
      },
    );

    app.get(
      '/queues',
      {
        schema: routeSchema({
          summary: 'Queues: jobs per state, age of the oldest waiting job, deliveries per minute (last hour)',
          description: 'A tenant-admin sees only the delivery queues of adapter instances that serve nothing but its tenants.',
          tags: ['operations'],
          response: { 200: S.list(S.QueueInfo) },
        }),
      },
      async (request) => {
        const p = who(request);
        const now = Date.now();
        const delivered = await queries.deliveredPerMinute({ minutes: MINUTES, ...(p.tenants === 'all' ? {} : { tenantIds: tenantScope(p) ?? [] }) });
        const currentMinute = Math.floor(now / 60_000);
        const perMinute = (adapterInstance: string): number[] => {
          const buckets = new Array<number>(MINUTES).fill(0);
          for (const row of delivered) {
            if (row.adapterInstance !== adapterInstance) continue;
            const index = MINUTES - 1 - (currentMinute - Math.floor(row.minute.getTime() / 60_000));
            if (index >= 0 && index < MINUTES) buckets[index] = (buckets[index] ?? 0) + row.count;
          }
          return buckets;
        };
        const result: Array<z.input<typeof S.QueueInfo>> = [];
        // the processing queue is shared by every tenant: only unscoped principals see it
        if (p.tenants === 'all') {
          result.push({ name: 'process', adapterInstance: null, counts: await jobCounts(deps.queues.process), oldestWaitingAgeMs: await oldestWaitingAgeMs(deps.queues.process, now), throughputPerMinute: null, deliveredLastHour: null });
        }
        for (const instance of config.adapters.filter((a) => ownsAdapter(p, config, a.id))) {
          const queue = deps.queues.deliverQueue(instance.id);
          const buckets = perMinute(instance.id);
          result.push({
            name: `deliver:${instance.id}`,
            adapterInstance: instance.id,
            counts: await jobCounts(queue),
            oldestWaitingAgeMs: await oldestWaitingAgeMs(queue, now),
            throughputPerMinute: buckets,
            deliveredLastHour: buckets.reduce((a, b) => a + b, 0),
          });
        }
        return result;
      },
    );

    app.get(
      '/dead-letters',
      {
        schema: routeSchema({
          summary: 'Dead letters: FAILED submissions (not discarded) with failed routes and last errors',
          description: 'Filters combine with AND; `total` counts every match, so a bulk action can take the same filter.',
          tags: ['submissions'],
          querystring: S.DeadLetterQuery,
          response: { 200: S.DeadLetterPage },
        }),
      },
      async (request) => {
        const { limit, offset, ...filter } = request.query;
        const page = await queries.deadLetters(deadLetterFilter(who(request), filter), { limit, offset });
        return { ...page, limit, offset };
      },
    );

    app.get(
      '/submissions',
      { schema: routeSchema({ summary: 'Search submissions (newest first)', tags: ['submissions'], querystring: S.SubmissionQuery, response: { 200: S.SubmissionPage } }) },
      async (request) => {
        const p = who(request);
        const q = request.query;
        const page = await queries.searchSubmissions(submissionSearch(p, q), { limit: q.limit, offset: q.offset });
        return { ...page, limit: q.limit, offset: q.offset };
      },
    );

    app.get(
      '/submissions/:submissionId',
      {
        schema: routeSchema({
          summary: 'A submission with its routes and timeline (journal, audit, delivery attempts, event names)',
          description: 'Ids, hashes, states and reasons only: no form data, no attachment or file names, no receipts.',
          tags: ['submissions'],
          params: S.SubmissionParams,
          response: { 200: S.SubmissionDetail },
        }),
      },
      async (request) => {
        const timeline = await queries.timeline(request.params.submissionId);
        if (!timeline) throw httpProblem(404, ErrorCode.NOT_FOUND, 'no such submission');
        assertSeesSubmission(who(request), timeline.submission);
        return { submission: timeline.submission, deliveries: timeline.deliveries, timeline: timeline.entries };
      },
    );

    app.get(
      '/stats',
      {
        schema: routeSchema({
          summary: 'Counts per tenant and state, deliveries per service, activity per hour or day, for a time range (default: the last 24 hours)',
          description: 'Counts and deliveries per service cover submissions received in the range; activity counts moves to DELIVERED and FAILED in the range, per hour up to 3 days, else per day.',
          tags: ['operations'],
          querystring: S.StatsQuery,
          response: { 200: S.Stats },
        }),
      },
      async (request) => {
        const range = statsRange(request.query);
        const scope = { ...scopeArg(who(request)), from: range.from, to: range.to };
        const [countsByState, deliveredByService, activity] = await Promise.all([
          queries.countsByState(scope),
          queries.deliveredByService(scope),
          queries.activity({ ...scope, bucket: range.bucket }),
        ]);
        return { range, countsByState, deliveredByService, activity };
      },
    );

    app.get(
      '/audit',
      { schema: routeSchema({ summary: 'Operator actions from the audit chain, newest first', tags: ['audit'], querystring: S.PageQuery, response: { 200: S.AuditPage } }) },
      async (request) => {
        const { limit, offset } = request.query;
        return { limit, offset, items: await queries.operatorAudit(scopeArg(who(request)), { limit, offset }) };
      },
    );
  };
}

/** `{ tenantIds }` for a scoped principal, `{}` for one who sees every tenant. */
export function scopeArg(p: Principal): { tenantIds?: readonly string[] } {
  const tenantIds = tenantScope(p);
  return tenantIds ? { tenantIds } : {};
}

/** The journal filter of a dead-letter query: the caller's scope AND what they picked. */
export function deadLetterFilter(p: Principal, f: z.infer<typeof S.DeadLetterFilter>): DeadLetterFilter {
  return {
    ...scopeArg(p),
    ...(f.tenant !== undefined ? { tenantId: f.tenant } : {}),
    ...(f.adapter !== undefined ? { adapterInstance: f.adapter } : {}),
    ...(f.service !== undefined ? { serviceIdentifier: f.service } : {}),
    ...(f.error !== undefined ? { errorText: f.error } : {}),
  };
}

const HOUR_BUCKETS_UP_TO_MS = 3 * 24 * 3600_000;

/** The range of a stats query (default: the last 24 hours) and its bucket: hours up to three days, else days. */
export function statsRange(q: z.infer<typeof S.StatsQuery>, now = Date.now()): { from: Date; to: Date; bucket: 'hour' | 'day' } {
  const to = q.to !== undefined ? new Date(q.to) : new Date(now);
  const from = q.from !== undefined ? new Date(q.from) : new Date(to.getTime() - 24 * 3600_000);
  assertFromBeforeTo(from, to);
  return { from, to, bucket: to.getTime() - from.getTime() <= HOUR_BUCKETS_UP_TO_MS ? 'hour' : 'day' };
}

/** The journal search of a submission query: what the caller asked for, within their scope. */
export function submissionSearch(p: Principal, q: Omit<z.infer<typeof S.SubmissionQuery>, 'limit' | 'offset'>): SubmissionSearch {
  return {
    ...(q.id !== undefined ? { submissionId: q.id } : {}),
    ...(q.caseId !== undefined ? { caseId: q.caseId } : {}),
    ...(q.senderReference !== undefined ? { senderReference: q.senderReference } : {}),
    ...(q.tenant !== undefined ? { tenantId: q.tenant } : {}),
    ...(q.service !== undefined ? { serviceIdentifier: q.service } : {}),
    ...(q.state !== undefined ? { state: q.state } : {}),
    ...timeRange(q),
    ...scopeArg(p),
  };
}

/**
 * A shared adapter instance's last delivery error may name another tenant's package (its ProzessID):
 * a tenant-admin who does not own every tenant it serves sees the verdict and streaks, not that text.
 */
function visibleHealth(health: z.input<typeof S.AdapterHealth>, owner: boolean): z.input<typeof S.AdapterHealth> {
  return owner ? health : { ...health, deliveries: { ...health.deliveries, lastError: null } };
}
