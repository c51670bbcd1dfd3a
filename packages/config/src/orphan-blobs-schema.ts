import { z } from 'zod';

/**
 * The janitor's sweep of orphan blobs (docs/adr/0006-data-lifecycle.md): blob files no journal row names, left when
 * the process died or PostgreSQL was cut between writing a blob and committing the row that names it. Personal data
 * without a purpose, so the sweep is on by default; `weiche blobs orphans` shows what it would delete.
 */
export const OrphanBlobSweep = z.strictObject({
  /** Off only where the blob folder is not this hub's alone (another journal schema names blobs in it too). */
  enabled: z.boolean().default(true),
  /**
   * Only blobs last written longer ago than this are considered (default 24 h, at least 1 h): the row that names a
   * new blob is committed seconds after it, even for the slowest upload or mapping, so an in-flight one is never touched.
   */
  graceMs: z.number().int().min(3_600_000).default(86_400_000),
  /** Interval of sweeps in the processor role (default hourly). */
  intervalMs: z.number().int().min(60_000).max(7 * 24 * 3600 * 1000).default(3_600_000),
  /** Blobs checked against the journal per query (and deleted per step). */
  batchSize: z.number().int().min(1).max(10_000).default(500),
});
export const ORPHAN_BLOB_SWEEP_DEFAULT = { enabled: true, graceMs: 86_400_000, intervalMs: 3_600_000, batchSize: 500 };
