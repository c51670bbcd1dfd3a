import type { WeicheConfig } from './schema.js';

/**
 * What loads but is likely an operator's mistake: reported by `weiche config check`, never a reason to refuse
 * the file (a tenant may be set up before its destination is).
 */
export function configWarnings(config: Pick<WeicheConfig, 'tenants' | 'destinations' | 'upstreams' | 'xta' | 'delegations'>): string[] {
  // every way a submission comes to a tenant: its destinations, upstreams, XTA readers, or another tenant's delegation
  const reached = new Set([
    ...config.destinations.map((d) => d.tenant),
    ...config.upstreams.fitConnect.map((u) => u.tenant),
    ...config.upstreams.xta.map((u) => u.tenant),
    ...(config.xta?.readers ?? []).map((r) => r.tenant),
    ...(config.delegations ?? []).map((d) => d.to),
  ]);
  return config.tenants.flatMap((t, i) => (reached.has(t.id) ? [] : [`tenants.${i} (${t.id}): no destination, upstream, XTA reader or delegation brings it submissions`]));
}
