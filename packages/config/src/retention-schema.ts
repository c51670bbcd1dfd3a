import { z } from 'zod';

/**
 * How long a tenant's data stays after its submission finished (DELIVERED or REJECTED; queued, failed and
 * dead-lettered submissions are never touched). Without a value that kind of data is kept. Audit records,
 * journal rows and evidence bundles are kept either way: their hashes still prove what the data was.
 */
export const TenantRetention = z.object({
  /** Days after delivery after which the decrypted output packages (xÖV messages, encrypted at rest) are deleted. */
  outputsDays: z.number().int().min(0).max(36_500).optional(),
  /** Days after the submission finished after which the ciphertext as received (JWE, OSCI container) is deleted. */
  ciphertextDays: z.number().int().min(0).max(36_500).optional(),
});
export type TenantRetention = z.infer<typeof TenantRetention>;

/** When the hub applies the tenants' retention (processor role); `weiche retention run` does the same at once. */
export const RetentionSchedule = z.object({
  /** Interval of retention runs (default hourly); every deletion is audited. */
  intervalMs: z.number().int().min(60_000).max(7 * 24 * 3600 * 1000).default(3_600_000),
});
export const RETENTION_SCHEDULE_DEFAULT = { intervalMs: 3_600_000 };
