import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { OzgProgress, type OzgProgressRow } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import * as S from './api-schemas.js';
import { sendCsv, type CsvColumn } from './csv-export.js';
import type { Principal } from './principal.js';
import { scopeArg } from './read-routes.js';
import { routeSchema } from './route-schema.js';
import { zodRoutes } from '../gateway/zod-routes.js';

type Who = (request: unknown) => Principal;

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM');
const OzgFilter = {
  from: Month.optional().describe('first month (YYYY-MM, month of receipt in German local time)'),
  to: Month.optional().describe('last month, inclusive'),
  tenant: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
};
const OzgQuery = z.object(OzgFilter);
const OzgCsvQuery = z.object({ ...OzgFilter, dialect: S.CsvDialect });
const OzgRow = z.object({
  tenantId: z.string(),
  tenantName: z.string(),
  serviceIdentifier: z.string(),
  serviceName: z.string(),
  month: z.string(),
  received: z.number(),
  delivered: z.number().describe('delivered digitally end to end (every route delivered)'),
  rejected: z.number(),
  deadLettered: z.number(),
  delegated: z.number().describe('processed by a back office of another tenant'),
  endToEndShare: z.number().nullable().describe('delivered / received'),
  medianSecondsToDelivered: z.number().nullable(),
});
type Row = z.output<typeof OzgRow>;

/**
 * OZG progress ("Ende-zu-Ende digital", issue 15): per tenant, service and month, received, delivered end to
 * end, rejected, dead-lettered and the median time from receipt to delivery; as JSON and as CSV a Kreis
 * can publish. Counts and times only: nothing about an applicant.
 */
export function ozgProgressRoutes(deps: Pick<HubDeps, 'config' | 'pool'>, who: Who) {
  const progress = new OzgProgress({ pool: deps.pool, schema: deps.config.database.schema });
  const tenantNames = new Map(deps.config.tenants.map((t) => [t.id, t.name]));
  const serviceNames = new Map(deps.config.destinations.flatMap((d) => d.services.map((s) => [s.identifier, s.name] as const)));

  async function rows(p: Principal, q: z.infer<typeof OzgQuery>): Promise<Row[]> {
    const found = await progress.byMonth({ ...scopeArg(p), ...(q.from ? { fromMonth: q.from } : {}), ...(q.to ? { toMonth: q.to } : {}) });
    const view = (r: OzgProgressRow): Row => ({
      ...r,
      tenantName: tenantNames.get(r.tenantId) ?? '',
      serviceName: serviceNames.get(r.serviceIdentifier) ?? '',
      endToEndShare: r.received === 0 ? null : Math.round((r.delivered / r.received) * 10_000) / 10_000,
    });
    return found.filter((r) => (q.tenant === undefined || r.tenantId === q.tenant) && (q.service === undefined || r.serviceIdentifier === q.service)).map(view);
  }

  const columns: Array<CsvColumn<Row>> = (
    ['month', 'tenantId', 'tenantName', 'serviceIdentifier', 'serviceName', 'received', 'delivered', 'rejected', 'deadLettered', 'delegated', 'endToEndShare', 'medianSecondsToDelivered'] as const
  ).map((key) => ({ header: key, cell: (r: Row) => r[key] }));

  return async function plugin(fastify: FastifyInstance): Promise<void> {
    const app = zodRoutes(fastify);
    app.get(
      '/ozg-progress',
      {
        schema: routeSchema({
          summary: 'OZG progress: received, delivered end to end, rejected, dead-lettered, median time to delivery, per tenant, service and month',
          description: 'Months of receipt in German local time. A back office also sees the months of what it processes for other tenants (under their tenant id).',
          tags: ['operations'],
          querystring: OzgQuery,
          response: { 200: z.object({ items: z.array(OzgRow) }) },
        }),
      },
      async (request) => ({ items: await rows(who(request), request.query) }),
    );

    app.get(
      '/ozg-progress.csv',
      { schema: routeSchema({ summary: 'OZG progress as CSV (one row per tenant, service and month)', tags: ['operations'], querystring: OzgCsvQuery }) },
      async (request, reply) => {
        const { dialect, ...q } = request.query;
        const all = await rows(who(request), q);
        async function* items(): AsyncGenerator<Row> {
          yield* all;
        }
        return sendCsv(reply, 'weiche-ozg-progress', dialect, columns, items());
      },
    );
  };
}
