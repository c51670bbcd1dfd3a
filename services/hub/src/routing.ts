import type { WeicheConfig } from '@weiche/config';

export type RouteConfig = WeicheConfig['routes'][number];

/** Routes of a tenant for a service: exact service matches plus the tenant's catch-all ("*") routes. */
export function routesFor(config: WeicheConfig, tenantId: string, serviceIdentifier: string): RouteConfig[] {
  return config.routes.filter((r) => r.tenant === tenantId && (r.service === serviceIdentifier || r.service === '*'));
}
