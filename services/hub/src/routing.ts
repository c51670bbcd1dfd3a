import type { WeicheConfig } from '@weiche/config';

export type RouteConfig = WeicheConfig['routes'][number];

/** The routing table: (tenant, service) → routes. Channels ask it before they accept; the processor routes with it. */
export class Routing {
  constructor(private readonly routes: readonly RouteConfig[]) {}

  /** Routes of a tenant for a service: exact service matches plus the tenant's catch-all ("*") routes. */
  routesFor(tenantId: string, serviceIdentifier: string): RouteConfig[] {
    return this.routes.filter((r) => r.tenant === tenantId && (r.service === serviceIdentifier || r.service === '*'));
  }

  /** True when a submission of the tenant for the service would be delivered somewhere. */
  isRouted(tenantId: string, serviceIdentifier: string): boolean {
    return this.routesFor(tenantId, serviceIdentifier).length > 0;
  }

  /** The route with this id, if configured. */
  route(routeId: string): RouteConfig | undefined {
    return this.routes.find((r) => r.id === routeId);
  }
}
