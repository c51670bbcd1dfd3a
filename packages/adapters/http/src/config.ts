import { z } from 'zod';
import { secretField } from '@weiche/adapter-sdk';

// Fingerprints are accepted as printed by `openssl x509 -fingerprint -sha256` (colons, any case) or as plain hex.
const Sha256Fingerprint = z
  .string()
  .transform((s) => s.replace(/:/g, '').toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'expected the SHA-256 of the certificate DER as 64 hex digits'));

export const HttpAdapterConfig = z.strictObject({
  /** Endpoint the package is POSTed to (http: only for loopback tests; production endpoints use https:). */
  url: z.url({ protocol: /^https?$/ }),
  /** `zip`: the package as one application/zip body; `multipart`: the xÖV message XML and each document as parts. */
  mode: z.enum(['zip', 'multipart']).default('zip'),
  /** HMAC-SHA256 key of this instance, inline or `{ file: path }`; the endpoint checks `X-Weiche-Signature` with it. */
  secret: secretField(16, 'use at least 16 characters for the HMAC secret'),
  /** Extra request headers (e.g. an API key of the Fachverfahren). */
  headers: z.record(z.string(), z.string()).optional(),
  /** Idle timeout of one request in ms (no bytes moving), not a cap on large uploads. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** URL for `health()` (HEAD); defaults to `url`. */
  healthUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Response header holding the far side's delivery id (falls back to `Location`, then JSON body `id`). */
  idHeader: z.string().min(1).default('x-receipt-id'),
  /** TLS client certificate and key (PEM files) for mutual TLS. */
  clientCertFile: z.string().min(1).optional(),
  clientKeyFile: z.string().min(1).optional(),
  /** CA bundle (PEM) the server certificate must chain to, instead of the system CAs. */
  caFile: z.string().min(1).optional(),
  /** SHA-256 of the server certificate DER; one, or several during a certificate change. */
  pinnedCertSha256: z.union([Sha256Fingerprint, z.array(Sha256Fingerprint).min(1)]).optional(),
}).refine((c) => (c.clientCertFile === undefined) === (c.clientKeyFile === undefined), {
  message: 'clientCertFile and clientKeyFile go together',
  path: ['clientKeyFile'],
});
export type HttpAdapterConfig = z.infer<typeof HttpAdapterConfig>;
