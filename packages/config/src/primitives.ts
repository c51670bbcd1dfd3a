import { z } from 'zod';

/** Ids of tenants, adapters, routes, upstreams: they appear in paths, metric labels and URLs. */
export const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and "-" (max 63)');

/** A secret given inline or as a file path (`{ file: ... }`); becomes a Secret that never prints. */
export const SecretValue = z
  .union([z.string().min(1), z.strictObject({ file: z.string().min(1) })])
  .describe('inline value or { file: path }');
export type SecretValue = z.infer<typeof SecretValue>;
