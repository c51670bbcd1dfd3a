import type { FastifyInstance } from 'fastify';
import type { DeadLetter, JournalQueries, SubmissionSummary } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import * as S from './api-schemas.js';
import { allPages, sendCsv, type CsvColumn } from './csv-export.js';
import type { Principal } from './principal.js';
import { deadLetterFilter, submissionSearch } from './read-routes.js';
import { routeSchema } from './route-schema.js';
import { zodRoutes } from '../gateway/zod-routes.js';

type Who = (request: unknown) => Principal;

/** Tenant and service names from the configuration, for exports that a person reads. */
function nameLookups(config: HubDeps['config']): { tenant: (id: string) => string; service: (id: string) => string } {
  const tenants = new Map(config.tenants.map((t) => [t.id, t.name]));
  const services = new Map(config.destinations.flatMap((d) => d.services.map((s) => [s.identifier, s.name] as const)));
  return { tenant: (id) => tenants.get(id) ?? '', service: (id) => services.get(id) ?? '' };
}

/**
 * CSV exports of any search: what the list shows, every match (paged through the journal), with ids,
 * names from the configuration, states, reasons and times — no sender references or other content.
 */
export function exportRoutes(deps: HubDeps, queries: JournalQueries, who: Who) {
  const names = nameLookups(deps.config);
  const base: Array<CsvColumn<SubmissionSummary>> = [
    { header: 'submissionId', cell: (r) => r.submissionId },
    { header: 'caseId', cell: (r) => r.caseId },
    { header: 'tenantId', cell: (r) => r.tenantId },
    { header: 'tenantName', cell: (r) => names.tenant(r.tenantId) },
    { header: 'serviceIdentifier', cell: (r) => r.serviceIdentifier },
    { header: 'serviceName', cell: (r) => names.service(r.serviceIdentifier) },
    { header: 'state', cell: (r) => r.state },
    // where a back office processes it (docs/delegation.md): empty when the owner does
    { header: 'processingTenantId', cell: (r) => (r.delegationId ? r.processingTenantId : '') },
    { header: 'delegationId', cell: (r) => r.delegationId },
  ];
  const times: Array<CsvColumn<SubmissionSummary>> = [
    { header: 'createdAt', cell: (r) => r.createdAt },
    { header: 'updatedAt', cell: (r) => r.updatedAt },
  ];
  const submissionColumns: Array<CsvColumn<SubmissionSummary>> = [
    ...base,
    { header: 'discarded', cell: (r) => r.discarded },
    { header: 'mappingModule', cell: (r) => r.mappingModule },
    { header: 'mappingVersion', cell: (r) => r.mappingVersion },
    { header: 'reason', cell: (r) => r.reason },
    ...times,
  ];
  const deadLetterColumns: Array<CsvColumn<DeadLetter>> = [
    ...base,
    { header: 'failedRoutes', cell: (r) => r.failedRoutes.map((d) => d.routeId).join(' ') },
    { header: 'adapters', cell: (r) => [...new Set(r.failedRoutes.map((d) => d.adapterInstance))].join(' ') },
    { header: 'lastErrors', cell: (r) => r.failedRoutes.map((d) => d.lastError ?? '').filter(Boolean).join(' | ') },
    { header: 'reason', cell: (r) => r.reason },
    ...times,
  ];

  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.get(
      '/submissions.csv',
      {
        schema: routeSchema({
          summary: 'Submission search as CSV (every match, newest first)',
          description: 'Same filters as GET /submissions. A header row, RFC 4180 quoting, formula-like cells prefixed with an apostrophe; at most 100 000 rows.',
          tags: ['submissions'],
          querystring: S.SubmissionCsvQuery,
        }),
      },
      async (request, reply) => {
        const { dialect, ...q } = request.query;
        const search = submissionSearch(who(request), q);
        return sendCsv(reply, 'weiche-submissions', dialect, submissionColumns, allPages((offset, limit) => queries.searchSubmissions(search, { offset, limit })));
      },
    );

    app.get(
      '/dead-letters.csv',
      {
        schema: routeSchema({
          summary: 'Dead letters as CSV (every match of the filter)',
          description: 'Same filters as GET /dead-letters; one row per submission with its failed routes, adapter instances and last errors.',
          tags: ['submissions'],
          querystring: S.DeadLetterCsvQuery,
        }),
      },
      async (request, reply) => {
        const { dialect, ...filter } = request.query;
        const selected = deadLetterFilter(who(request), filter);
        return sendCsv(reply, 'weiche-dead-letters', dialect, deadLetterColumns, allPages((offset, limit) => queries.deadLetters(selected, { offset, limit })));
      },
    );
  };
}
