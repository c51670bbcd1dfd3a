// Sender scopes (Zustellberechtigungs-Scopes) in FIT-Connect's documented forms (docs.fitko.de "OAuth-Scopes für
// Onlinedienste"): `send:region:DE<ARS prefix>` sends to the destinations of that region (all of Germany for
// `send:region:DE`), `send:service:<LeiKa key>` to the destinations offering that service. The hub's own
// `send:destination:<id>` (one destination) stays. A scope never reaches beyond the destinations the sender client is
// configured for: it only narrows them.

/** What a scope needs to know of a destination: its services and the regions each is offered in. */
export interface ScopedDestination {
  readonly services: ReadonlyArray<{ readonly identifier: string; readonly regions: readonly string[] }>;
}

const DESTINATION = /^send:destination:([0-9a-f-]{36})$/;
// OpenAPI ServiceRegion: DE and up to 12 digits of the Amtlicher Regionalschlüssel
const REGION = /^send:region:(DE[0-9]{0,12})$/;
// the LeiKa key of a service, as the last part of its identifier urn:de:fim:leika:leistung:<key>
const SERVICE = /^send:service:([0-9]{1,20})$/;
const LEIKA_URN = 'urn:de:fim:leika:leistung:';

/** The hub's own form, one per destination: what a token holds when no scope was asked for. */
export function destinationScope(destinationId: string): string {
  return `send:destination:${destinationId}`;
}

/** True for a scope in one of the three sender forms (whether it covers anything aside). */
export function isSenderScope(scope: string): boolean {
  return DESTINATION.test(scope) || REGION.test(scope) || SERVICE.test(scope);
}

/** A service offered in no region is offered in all of Germany (as GET destination says, OpenAPI minItems 1). */
function regionsOf(service: ScopedDestination['services'][number]): readonly string[] {
  return service.regions.length > 0 ? service.regions : ['DE'];
}

/**
 * Which services of a destination a scope lets a sender submit: all of them (`'all'`), some, or none. A region scope
 * covers a service whose regions lie within it (ARS prefix); a service offered in all of Germany is covered by
 * `send:region:DE` alone, not by a scope for one Land — the sender's grant is the narrower one.
 */
export function servicesCovered(scope: string, destinationId: string, destination: ScopedDestination | undefined): 'all' | readonly string[] {
  const id = DESTINATION.exec(scope)?.[1];
  if (id !== undefined) return id === destinationId ? 'all' : [];
  if (!destination) return [];
  const region = REGION.exec(scope)?.[1];
  if (region !== undefined) return destination.services.filter((s) => regionsOf(s).some((r) => r.startsWith(region))).map((s) => s.identifier);
  const leika = SERVICE.exec(scope)?.[1];
  if (leika !== undefined) return destination.services.filter((s) => s.identifier === `${LEIKA_URN}${leika}`).map((s) => s.identifier);
  return [];
}

/**
 * The services of each configured destination the scopes let the sender submit: `'all'`, or the ones named. A
 * destination no scope covers is left out.
 */
export function grantOf(configured: readonly string[], scopes: readonly string[], lookup: (id: string) => ScopedDestination | undefined): Map<string, 'all' | string[]> {
  const grant = new Map<string, 'all' | string[]>();
  for (const id of configured) {
    const named = new Set<string>();
    let all = false;
    for (const scope of scopes) {
      const covered = servicesCovered(scope, id, lookup(id));
      if (covered === 'all') all = true;
      else covered.forEach((s) => named.add(s));
    }
    if (all) grant.set(id, 'all');
    else if (named.size > 0) grant.set(id, [...named]);
  }
  return grant;
}
