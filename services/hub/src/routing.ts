import { delegationFor, type DelegationConfig, type WeicheConfig } from '@weiche/config';

export type RouteConfig = WeicheConfig['routes'][number];

/** The routing table: (tenant, service) → routes. Channels ask it before they accept; the processor routes with it. */
export class Routing {
  /** `delegations` gives the current back offices (issue 15); without it no tenant delegates. */
  constructor(
    private readonly routes: readonly RouteConfig[],
    private readonly delegations: () => readonly DelegationConfig[] = () => [],
  ) {}

  /** Routes of a tenant for a service: exact service matches plus the tenant's catch-all ("*") routes. */
  routesFor(tenantId: string, serviceIdentifier: string): RouteConfig[] {
    return this.routes.filter((r) => r.tenant === tenantId && (r.service === serviceIdentifier || r.service === '*'));
  }

  /** The tenant that would process a submission received now: the back office of a delegation, else the owner. */
  processingTenant(tenantId: string, serviceIdentifier: string, at: Date = new Date()): string {
    return delegationFor(this.delegations(), tenantId, serviceIdentifier, at)?.to ?? tenantId;
  }

  /** True when a submission of the tenant for the service would be delivered somewhere (by its back office, if delegated). */
  isRouted(tenantId: string, serviceIdentifier: string): boolean {
    return this.routesFor(this.processingTenant(tenantId, serviceIdentifier), serviceIdentifier).length > 0;
  }

  /** The route with this id, if configured. */
  route(routeId: string): RouteConfig | undefined {
    return this.routes.find((r) => r.id === routeId);
  }
}
