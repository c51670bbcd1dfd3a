import type { z } from 'zod';
import type { TenantConfig } from './schema.js';

/** The filing metadata of a tenant for a service: its own entry, else the "*" entry, else none. */
export function filingFor(
  tenant: Pick<z.output<typeof TenantConfig>, 'filing'>,
  serviceIdentifier: string,
): { aktenplaneinheit?: string; vorgangstyp?: string } | undefined {
  const entry = tenant.filing.find((f) => f.service === serviceIdentifier) ?? tenant.filing.find((f) => f.service === '*');
  if (!entry || (entry.aktenplaneinheit === undefined && entry.vorgangstyp === undefined)) return undefined;
  return {
    ...(entry.aktenplaneinheit === undefined ? {} : { aktenplaneinheit: entry.aktenplaneinheit }),
    ...(entry.vorgangstyp === undefined ? {} : { vorgangstyp: entry.vorgangstyp }),
  };
}
