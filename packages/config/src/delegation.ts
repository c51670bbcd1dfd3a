import { z } from 'zod';

// Same alphabet as the other ids of the config (paths, audit details, URLs).
const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and "-" (max 63)');

/**
 * A back office: tenant `to` processes the applications of tenant `from` for one service (or "*": every
 * service of `from`) that were received within [validFrom, validUntil). The submission stays `from`'s;
 * it is routed with `to`'s routes (mapping targets and adapter instances).
 */
export const DelegationConfig = z
  .strictObject({
    id: Id,
    /** The owning authority (zuständige Stelle) whose applications are handed over. */
    from: Id,
    /** Service URN, or "*" for every service of `from` without a delegation of its own. */
    service: z.string().min(1),
    /** The back-office tenant that processes them. */
    to: Id,
    /** Received at or after this instant (ISO 8601 with offset); open when absent. */
    validFrom: z.iso.datetime({ offset: true }).optional(),
    /** Received before this instant; after it, routing falls back to the owner's routes. */
    validUntil: z.iso.datetime({ offset: true }).optional(),
    /** Why (e.g. the agreement between the towns); shown to both tenants and kept in the audit record. */
    reason: z.string().min(1).max(500),
  })
  .refine((d) => d.from !== d.to, { message: 'from and to must differ', path: ['to'] })
  .refine((d) => d.validFrom === undefined || d.validUntil === undefined || Date.parse(d.validFrom) < Date.parse(d.validUntil), {
    message: 'validFrom must lie before validUntil',
    path: ['validUntil'],
  });
export type DelegationConfig = z.output<typeof DelegationConfig>;

/** A list of delegations (the config key, and the body of PUT /delegations). */
export const DelegationList = z.array(DelegationConfig);

function windowOf(d: DelegationConfig): [number, number] {
  return [d.validFrom === undefined ? -Infinity : Date.parse(d.validFrom), d.validUntil === undefined ? Infinity : Date.parse(d.validUntil)];
}

/** True when the delegation covers a submission received at `at`. */
export function delegationCovers(d: DelegationConfig, at: Date): boolean {
  const [from, until] = windowOf(d);
  return from <= at.getTime() && at.getTime() < until;
}

/**
 * The delegation that applies to a submission of `tenantId` for the service received at `at`: one for the
 * exact service first, else one for "*"; undefined when the owner processes it itself.
 */
export function delegationFor(delegations: readonly DelegationConfig[], tenantId: string, serviceIdentifier: string, at: Date): DelegationConfig | undefined {
  const live = delegations.filter((d) => d.from === tenantId && delegationCovers(d, at));
  return live.find((d) => d.service === serviceIdentifier) ?? live.find((d) => d.service === '*');
}

/**
 * What the schema cannot see: unique ids, known tenants, and no two delegations of one tenant and service
 * whose windows overlap (which back office would get the application?), and — given the routes — a back office
 * that has a route for the service (else every delegated application would fail). Returns `path: message` lines.
 */
export function checkDelegations(
  delegations: readonly DelegationConfig[],
  tenantIds: ReadonlySet<string>,
  options: { path?: string; routes?: ReadonlyArray<{ tenant: string; service: string }> } = {},
): string[] {
  const path = options.path ?? 'delegations';
  const problems: string[] = [];
  const seen = new Set<string>();
  delegations.forEach((d, i) => {
    if (seen.has(d.id)) problems.push(`${path}: duplicate id "${d.id}"`);
    seen.add(d.id);
    if (!tenantIds.has(d.from)) problems.push(`${path}.${i}.from: unknown tenant "${d.from}"`);
    if (!tenantIds.has(d.to)) problems.push(`${path}.${i}.to: unknown tenant "${d.to}"`);
    else if (options.routes && !options.routes.some((r) => r.tenant === d.to && (r.service === '*' || r.service === d.service))) {
      problems.push(`${path}.${i}.to: tenant "${d.to}" has no route for ${d.service === '*' ? 'every service ("*")' : d.service}`);
    }
    delegations.slice(0, i).forEach((e) => {
      if (e.from !== d.from || e.service !== d.service) return;
      const [a0, a1] = windowOf(d);
      const [b0, b1] = windowOf(e);
      if (a0 < b1 && b0 < a1) problems.push(`${path}.${i}: overlaps delegation "${e.id}" (same tenant and service)`);
    });
  });
  return problems;
}
