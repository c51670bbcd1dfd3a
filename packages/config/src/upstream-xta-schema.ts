import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

import { SecretValue } from './primitives.js';

/** `auth` of an XTA upstream: a bearer token (tests) or a TLS client certificate (mutual TLS, as Rechenzentren authenticate). */
export const XtaUpstreamAuth = z.union([
  z.object({ token: SecretValue }).strict(),
  z.object({ clientCertificateFile: z.string().min(1), clientKeyFile: z.string().min(1) }).strict(),
]);

/**
 * The hub as XTA 2 client of an upstream XTA server or intermediary message box (issue 10): it polls the
 * box of `reader` (an `xta.readers[].identifier`, whose keystore opens the content) and takes what it finds
 * in for `tenant`.
 */
export const XtaUpstreamConfig = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,63}$/, 'lowercase letters, digits and "-" (max 63)'),
  tenant: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a tenant id'),
  reader: z.string().min(3),
  /** XTA 2 Version 3 ManagementPort. */
  managementUrl: z.url({ protocol: /^https?$/ }),
  /** XTA 2 Version 3 MsgBoxPort. */
  msgBoxUrl: z.url({ protocol: /^https?$/ }),
  auth: XtaUpstreamAuth,
  /** CA bundle (PEM) that signs the server's certificate; the system's CAs when absent. */
  caFile: z.string().min(1).optional(),
  pollIntervalMs: z.number().int().min(100).default(30_000),
})
  // a client certificate is only ever presented over TLS: plain http would silently poll without it
  .refine((u) => 'token' in u.auth || (u.msgBoxUrl.startsWith('https:') && u.managementUrl.startsWith('https:')), {
    message: 'auth with a client certificate needs https URLs',
    path: ['auth'],
  });
export type XtaUpstreamConfig = z.output<typeof XtaUpstreamConfig>;

/** Cross-references of `upstreams.xta`: unique ids, a known tenant, a reader the hub has a keystore for. */
export function checkXtaUpstreams(upstreams: readonly XtaUpstreamConfig[], tenants: ReadonlySet<string>, readers: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  upstreams.forEach((u, i) => {
    if (seen.has(u.id)) problems.push(`upstreams.xta: duplicate id "${u.id}"`);
    seen.add(u.id);
    if (!tenants.has(u.tenant)) problems.push(`upstreams.xta.${i}.tenant: unknown tenant "${u.tenant}"`);
    if (!readers.has(u.reader)) problems.push(`upstreams.xta.${i}.reader: "${u.reader}" is no xta.readers[].identifier (its keystore opens the content)`);
  });
  return problems;
}

/** Every file an upstream names, relative to the config file's directory. */
export function resolveXtaUpstreamFiles(upstreams: readonly XtaUpstreamConfig[], baseDir: string): XtaUpstreamConfig[] {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  return upstreams.map((u) => ({
    ...u,
    auth: 'token' in u.auth ? { token: typeof u.auth.token === 'string' ? u.auth.token : { file: abs(u.auth.token.file) } } : { clientCertificateFile: abs(u.auth.clientCertificateFile), clientKeyFile: abs(u.auth.clientKeyFile) },
    ...(u.caFile !== undefined ? { caFile: abs(u.caFile) } : {}),
  }));
}
