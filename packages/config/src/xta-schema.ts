import { isIP } from 'node:net';
import { z } from 'zod';

// same alphabet as the other ids of the config (paths, queue names)
const TenantId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and "-" (max 63)');
/** Inline value or `{ file }`, as SecretValue in schema.ts (kept local so this file stands alone). */
const XtaSecretValue = z.union([z.string().min(1), z.strictObject({ file: z.string().min(1) })]);

/** XTA party identifier value as MessageMetaData writes it, e.g. `ags:05515000` or a DVDV Behördenkennung. */
const PartyValue = z.string().min(3).regex(/^\S(.*\S)?$/, 'no leading or trailing blanks');

/**
 * An XTA caller. `author`: a portal / EfA service that sends (only as itself); `fachverfahren`: polls its
 * own message box; `reader`: a tenant's OSCI identity that may also poll. Authenticated by bearer token
 * (tests, demo) or by the SHA-256 fingerprint of its TLS client certificate (production).
 */
export const XtaIdentityConfig = z
  .strictObject({
    identifier: PartyValue,
    kind: z.enum(['author', 'reader', 'fachverfahren']),
    token: XtaSecretValue.optional(),
    tenant: TenantId.optional(),
    /** SHA-256 over the DER of the client certificate, hex (colons allowed). */
    certificateSha256: z
      .string()
      .transform((v) => v.replace(/:/g, '').toLowerCase())
      .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256 fingerprint as 64 hex digits'))
      .optional(),
  })
  .refine((i) => i.token !== undefined || i.certificateSha256 !== undefined, { message: 'an identity needs a token or a certificateSha256' });

/** A reader the hub opens messages for: the tenant's OSCI keystore (PKCS#12, password from a file). */
export const XtaReaderConfig = z.strictObject({
  identifier: PartyValue,
  tenant: TenantId,
  keystore: z.strictObject({
    pkcs12File: z.string().min(1),
    /** The keystore password is never written into the config itself (xta-osci.md, "Content encryption"). */
    passwordFile: z.string().min(1),
  }),
  /** Accept AES-256-CBC and RSA-OAEP with SHA-1 from older senders. */
  allowLegacy: z.boolean().default(false),
  /** Accept a plain (unencrypted) ContentContainer for this reader, e.g. inside a trusted network; off by default. */
  allowUnencrypted: z.boolean().default(false),
  /** Create a self-signed keystore and password file on first start (demo and tests only). */
  generate: z.boolean().default(false),
});

/** An IPv4/IPv6 address or CIDR block (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`). */
const AddressOrCidr = z.string().refine(
  (value) => {
    const [address = '', prefix, ...rest] = value.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    if (prefix === undefined) return true;
    return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  },
  { message: 'an IP address or CIDR block, e.g. 10.0.0.0/8 or fd00::/8' },
);

/**
 * How callers prove who they are. `token`: `Authorization: Bearer`; `tls`: the client certificate of the
 * hub's own TLS connection; `proxy-header`: a trusted TLS-terminating proxy passes the certificate
 * (PEM, URL-encoded) or its SHA-256 in `proxyHeader`. The header is believed only from a peer (the TCP
 * connection's address, never X-Forwarded-For) in `trustedProxies`: anyone else reaching the port directly
 * could name any identity's public certificate in it.
 */
export const XtaAuthConfig = z.strictObject({
  modes: z.array(z.enum(['token', 'tls', 'proxy-header'])).min(1).default(['token']),
  proxyHeader: z.string().min(1).default('x-ssl-client-cert'),
  proxyHeaderFormat: z.enum(['pem', 'sha256']).default('pem'),
  /** Peers whose `proxyHeader` is believed; default: a proxy on the same host or in the same pod (loopback). */
  trustedProxies: z.array(AddressOrCidr).min(1).default(['127.0.0.1/32', '::1/128']),
});

export const XtaConfig = z.strictObject({
  identities: z.array(XtaIdentityConfig).default([]),
  readers: z.array(XtaReaderConfig).default([]),
  auth: XtaAuthConfig.default({ modes: ['token'], proxyHeader: 'x-ssl-client-cert', proxyHeaderFormat: 'pem', trustedProxies: ['127.0.0.1/32', '::1/128'] }),
  limits: z
    .strictObject({
      /** XTA's rule: a content container must not exceed 40 MB unless the service profile says otherwise. */
      maxContainerBytes: z.number().int().positive().default(40 * 1024 * 1024),
    })
    .default({ maxContainerBytes: 40 * 1024 * 1024 }),
  /** `XTAServerIdentity` of transport reports. */
  serverIdentity: z.string().min(1).default('weiche'),
  /** Prefix of MessageIDs the hub creates: `urn:de:xta:messageid:<prefix>:<uuid>`. */
  messageIdPrefix: z.string().regex(/^[A-Za-z0-9.-]+$/).default('weiche'),
});
export type XtaConfig = z.output<typeof XtaConfig>;
export type XtaConfigInput = z.input<typeof XtaConfig>;
export type XtaIdentityConfig = z.output<typeof XtaIdentityConfig>;
export type XtaReaderConfig = z.output<typeof XtaReaderConfig>;
