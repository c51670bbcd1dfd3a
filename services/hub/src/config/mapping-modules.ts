import type { ConfigCheck, WeicheConfigParsed } from '@weiche/config';
import { bauantragXbau } from '@weiche/mapping-bauantrag-xbau';
import { genericXdomea, genericXdomea0605 } from '@weiche/mapping-generic-xdomea';
import type { MappingModule, MappingSource } from '@weiche/mapping-sdk';
import { xbauPassthrough } from '@weiche/mapping-xbau-passthrough';
import { xbauToXdomea } from '@weiche/mapping-xbau-to-xdomea';

/** Mapping modules this hub knows; onboarding a service is one module package plus a line here and a route. */
export const MAPPING_MODULES: readonly MappingModule<unknown>[] = [genericXdomea, genericXdomea0605, bauantragXbau, xbauPassthrough, xbauToXdomea];

/**
 * Every route's `target` is produced by a known module, and a pinned `mapping` (id or id@version) names a known
 * module with that target. Without this check a typo loads fine and every submission of the route is rejected
 * to its sender as "unsupported schema".
 */
export function mappingRouteProblems(routes: ReadonlyArray<Pick<WeicheConfigParsed['routes'][number], 'target' | 'mapping'>>, modules: readonly MappingModule<unknown>[] = MAPPING_MODULES): string[] {
  const targets = [...new Set(modules.map((m) => m.target))];
  return routes.flatMap((route, i) => {
    if (!targets.includes(route.target as MappingModule<unknown>['target'])) {
      return [`routes.${i}.target: no mapping module produces "${route.target}" (known: ${targets.join(', ')})`];
    }
    if (route.mapping === undefined) return [];
    const [id, version] = route.mapping.split('@');
    const named = modules.filter((m) => m.id === id && (version === undefined || m.version === version));
    if (named.length === 0) {
      const known = modules.map((m) => `${m.id}@${m.version}`).join(', ');
      return [`routes.${i}.mapping: unknown mapping module "${route.mapping}" (known: ${known})`];
    }
    if (!named.some((m) => m.target === route.target)) {
      return [`routes.${i}.mapping: "${route.mapping}" produces ${named.map((m) => m.target).join(', ')}, not the route's target "${route.target}"`];
    }
    return [];
  });
}

type OfferedSchema = WeicheConfigParsed['destinations'][number]['services'][number]['submissionSchemas'][number];

/** Whether the registry could pick a module with this source for data of an offered schema (as MappingRegistry.resolve matches). */
function accepts(source: MappingSource, offered: OfferedSchema): boolean {
  // an XML source matches by the data's root element, which only XML data has
  if ('xmlNamespace' in source) return offered.mimeType === 'application/xml';
  return source.schemaUri === '*' || source.schemaUri === offered.schemaUri;
}

function describeSources(module: MappingModule<unknown>): string {
  return module.sources.map((s) => ('xmlNamespace' in s ? `XML {${s.xmlNamespace}}${s.rootElement}` : s.schemaUri)).join(', ');
}

/**
 * A destination refuses data of a schema its service does not offer (UNSUPPORTED_SCHEMA at open), and the registry
 * refuses data no module of the route's target accepts (UNSUPPORTED_SCHEMA at mapping): a route whose modules accept
 * none of the schemas a destination offers for the route's service can never deliver one of its submissions. Services
 * that list no schemas take any data and are not judged. The destinations are the tenant's own and those of tenants
 * that delegate the service to it (docs/delegation.md).
 */
export function mappingSchemaProblems(config: Pick<WeicheConfigParsed, 'routes' | 'destinations' | 'delegations'>, modules: readonly MappingModule<unknown>[] = MAPPING_MODULES): string[] {
  return config.routes.flatMap((route, i) => {
    const [id, version] = route.mapping?.split('@') ?? [];
    const candidates = modules.filter((m) => m.target === route.target && (id === undefined || m.id === id) && (version === undefined || m.version === version));
    // no candidate at all is mappingRouteProblems' finding
    if (candidates.length === 0) return [];
    const feeds = (tenant: string, service: string): boolean =>
      tenant === route.tenant || (config.delegations ?? []).some((d) => d.from === tenant && d.to === route.tenant && (d.service === '*' || d.service === service));
    return config.destinations.flatMap((destination, d) =>
      destination.services
        .filter((service) => (route.service === '*' || route.service === service.identifier) && feeds(destination.tenant, service.identifier))
        .filter((service) => service.submissionSchemas.length > 0)
        .filter((service) => !service.submissionSchemas.some((offered) => candidates.some((m) => m.sources.some((source) => accepts(source, offered)))))
        .map((service) => {
          const offered = service.submissionSchemas.map((s) => s.schemaUri).join(', ');
          const acceptedBy = candidates.map((m) => `${m.id}@${m.version} accepts ${describeSources(m)}`).join('; ');
          return `routes.${i}: no mapping module for target "${route.target}" accepts the schemas destination ${destination.id} (destinations.${d}) offers for ${service.identifier} (${offered}); ${acceptedBy} — such submissions would be rejected as unsupported schema`;
        }),
    );
  });
}

/** mappingRouteProblems and mappingSchemaProblems as a check of the config loader. */
export function mappingRouteCheck(modules: readonly MappingModule<unknown>[] = MAPPING_MODULES): ConfigCheck {
  return (config) => [...mappingRouteProblems(config.routes, modules), ...mappingSchemaProblems(config, modules)];
}
