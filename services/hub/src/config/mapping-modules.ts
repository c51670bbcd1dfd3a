import type { ConfigCheck, WeicheConfigParsed } from '@weiche/config';
import { bauantragXbau } from '@weiche/mapping-bauantrag-xbau';
import { genericXdomea, genericXdomea0605 } from '@weiche/mapping-generic-xdomea';
import type { MappingModule } from '@weiche/mapping-sdk';
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

/** mappingRouteProblems as a check of the config loader. */
export function mappingRouteCheck(modules: readonly MappingModule<unknown>[] = MAPPING_MODULES): ConfigCheck {
  return (config) => mappingRouteProblems(config.routes, modules);
}
