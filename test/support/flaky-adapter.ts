import { z } from 'zod';
import { PermanentDeliveryError, TransientDeliveryError, type AdapterFactory } from '@weiche/adapter-sdk';
import { dmsFolderAdapter } from '@weiche/adapter-dms-folder';

/** Attempt times per idempotency key, for asserting backoff between retries. */
export const attemptLog = new Map<string, number[]>();

const FlakyConfig = z.object({
  path: z.string(),
  /** Fail this many attempts per idempotency key before writing like dms-folder. */
  failTimes: z.number().int().min(0),
  failWith: z.enum(['transient', 'permanent']).default('transient'),
});

/**
 * A fault-injecting adapter for retry tests: the real dms-folder adapter behind a gate that fails
 * the first `failTimes` attempts of each delivery with the configured error class.
 */
export const flakyFolderAdapter: AdapterFactory<z.infer<typeof FlakyConfig>> = {
  kind: 'flaky-folder',
  configSchema: FlakyConfig,
  create({ instanceId, config }) {
    const inner = dmsFolderAdapter.create({ instanceId, config: { path: config.path } });
    return {
      kind: 'flaky-folder',
      instanceId,
      async deliver(pkg, options) {
        const times = attemptLog.get(options.idempotencyKey) ?? [];
        times.push(Date.now());
        attemptLog.set(options.idempotencyKey, times);
        if (times.length <= config.failTimes) {
          if (config.failWith === 'permanent') throw new PermanentDeliveryError('far side refused the package (test)');
          throw new TransientDeliveryError(`far side unavailable (test attempt ${times.length})`);
        }
        return inner.deliver(pkg, options);
      },
      health: () => inner.health(),
    };
  },
};
