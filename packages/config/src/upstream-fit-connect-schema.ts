import { z } from 'zod';

import { Id, SecretValue as UpstreamSecretValue } from './primitives.js';

/**
 * The hub as Subscriber of a FIT-Connect Zustelldienst (FITKO's or another hub's) for one destination
 * (issue 10): it polls the submissions ready for pickup with the destination's client credentials,
 * decrypts them with the destination key and answers with SETs signed by the destination's signing key.
 */
export const FitConnectUpstreamConfig = z.strictObject({
  id: Id,
  /** The tenant the picked-up submissions belong to; the tenant's routes apply as usual. */
  tenant: Id,
  /** Base URL of the Submission API; `/v1/...` is appended. */
  submissionApiUrl: z.url(),
  tokenUrl: z.url(),
  clientId: z.string().min(1),
  clientSecret: UpstreamSecretValue,
  /** Kept in lower case, as the Zustelldienst names it (ids are UUIDs, the same in any capitals): compared with its lists' ids. */
  destinationId: z
    .string()
    .min(1)
    .transform((id) => id.toLowerCase()),
  /** The destination's private encryption key: PKCS#8 PEM or a private JWK (JSON). */
  decryptionKeyFile: z.string().min(1),
  /** The private key the hub signs its SETs with: PKCS#8 PEM or a private JWK. */
  signingKeyFile: z.string().min(1),
  /** The kid of that key as registered at the destination (written into every SET). */
  signingKeyId: z.string().min(1),
  /** Default `{submissionApiUrl}/.well-known/jwks.json`. */
  zustelldienstJwksUrl: z.url().optional(),
  pollIntervalMs: z.number().int().min(100).default(30_000),
  /**
   * How long an announced attachment the Zustelldienst answers 404 for must stay missing (and over
   * `MISSING_ATTACHMENT_TRIES` pickups) before the submission is rejected with `missing-attachments`. Default one
   * hour: longer than a Zustelldienst's restart, failover or storage lag after an upload, yet the sender still hears
   * the same day, far inside FIT-Connect's 3 days before a submission not picked up is reported. At least a minute:
   * below that a hiccup of seconds would reject a valid submission.
   */
  missingAttachmentGraceMs: z.number().int().min(60_000).default(3_600_000),
  /** Enables `POST /callbacks/fit-connect/{id}` (HMAC-SHA512 of the Zustelldienst's new-submissions callbacks). */
  callbackSecret: UpstreamSecretValue.optional(),
});
export type FitConnectUpstreamConfig = z.infer<typeof FitConnectUpstreamConfig>;

/** The FIT-Connect upstreams, ids unique. */
export const FitConnectUpstreams = z
  .array(FitConnectUpstreamConfig)
  .default([])
  .refine((list) => new Set(list.map((u) => u.id)).size === list.length, { message: 'upstream ids must be unique' });

/** A duration such as `2d`, `36h`, `90m`, `600s`, in seconds. */
export const DurationSeconds = z
  .string()
  .regex(/^\d+[smhd]$/, 'a number with unit s, m, h or d (e.g. "2d")')
  .transform((v) => Number(v.slice(0, -1)) * { s: 1, m: 60, h: 3600, d: 86_400 }[v.slice(-1) as 's' | 'm' | 'h' | 'd']);

/** Resolves the files an upstream names relative to the config file; secrets become Secrets by `readSecret`. */
export function resolveFitConnectUpstream<S>(
  upstream: FitConnectUpstreamConfig,
  abs: (path: string) => string,
  readSecret: (value: FitConnectUpstreamConfig['clientSecret'], path: string) => S,
  path: string,
): Omit<FitConnectUpstreamConfig, 'clientSecret' | 'callbackSecret'> & { clientSecret: S; callbackSecret?: S } {
  const { callbackSecret, ...rest } = upstream;
  return {
    ...rest,
    decryptionKeyFile: abs(upstream.decryptionKeyFile),
    signingKeyFile: abs(upstream.signingKeyFile),
    clientSecret: readSecret(upstream.clientSecret, `${path}.clientSecret`),
    ...(callbackSecret !== undefined ? { callbackSecret: readSecret(callbackSecret, `${path}.callbackSecret`) } : {}),
  };
}
