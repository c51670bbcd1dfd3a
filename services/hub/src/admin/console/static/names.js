// Tenant and service names for ids, from the configuration the caller may see. Read once per
// view render; an id without a name (e.g. a service no destination lists) is shown as it is.
import { get } from './api.js';

/** Lookups `tenant(id)` and `service(identifier)`, plus the lists for filter menus. */
export async function namesOf() {
  const [tenants, destinations] = await Promise.all([get('/tenants').catch(() => []), get('/destinations').catch(() => [])]);
  const tenantNames = new Map(tenants.map((x) => [x.id, x.name]));
  const serviceNames = new Map(destinations.flatMap((d) => d.services.map((x) => [x.identifier, x.name])));
  return {
    tenants,
    services: [...serviceNames.entries()].map(([identifier, name]) => ({ identifier, name })),
    tenant: (id) => tenantNames.get(id) ?? id,
    service: (id) => serviceNames.get(id) ?? id,
  };
}
