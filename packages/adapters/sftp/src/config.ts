import { Secret } from '@weiche/core';
import { z } from 'zod';

const HEX_PIN = /^[0-9a-f]{64}$/i;

/**
 * Turns a pinned host key fingerprint into its 32 raw SHA-256 bytes. Accepts what operators copy:
 * OpenSSH's `SHA256:…` (base64 without padding, as `ssh-keygen -lf` prints it), plain base64 and hex
 * (with or without colons). Returns undefined when the text is not a SHA-256 digest.
 */
export function parseHostKeyPin(pin: string): Buffer | undefined {
  const text = pin.trim().replace(/^SHA256:/i, '');
  const hex = text.replace(/:/g, '');
  if (HEX_PIN.test(hex)) return Buffer.from(hex, 'hex');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

export const SftpConfig = z
  .strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().min(1),
    /** OpenSSH or PEM private key of the hub's client identity. */
    privateKeyFile: z.string().min(1).optional(),
    /** For tests only: production instances authenticate with a key. Kept in a Secret so it never prints. */
    password: z
      .union([z.string().min(1), z.instanceof(Secret)])
      .transform((value) => (typeof value === 'string' ? new Secret(value) : value))
      .optional(),
    /** REQUIRED pin of the server host key (SHA-256, base64 or hex); no trust on first use. */
    hostKeySha256: z.string().refine((pin) => parseHostKeyPin(pin) !== undefined, {
      message: 'must be the SHA-256 of the server host key (base64, "SHA256:…" or hex)',
    }),
    /** Absolute folder on the server that receives the packages; must exist. */
    remoteDir: z.string().min(1),
    connectTimeoutMs: z.number().int().positive().default(10_000),
  })
  .refine((config) => config.privateKeyFile !== undefined || config.password !== undefined, {
    message: 'either privateKeyFile or password is required',
    path: ['privateKeyFile'],
  });
export type SftpConfig = z.output<typeof SftpConfig>;
export type SftpConfigInput = z.input<typeof SftpConfig>;
