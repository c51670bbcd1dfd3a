import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { PermanentDeliveryError, type AdapterFactory } from '@weiche/adapter-sdk';
import { readZip } from './zip.js';

const UnpackingConfig = z.object({
  /** The DMS import folder the documents are unpacked into. */
  path: z.string(),
  /** `throw`: Node's own error goes to the hub as it is; `refuse`: wrapped in a permanent error that quotes it and the entry. */
  onError: z.enum(['throw', 'refuse']),
});

/**
 * An adapter as a municipal IT developer might write it against the adapter SDK: it unpacks the package into
 * the DMS import folder under the documents' own names (what many DMS importers want), in reverse order so the
 * message, first in the package, is written last.
 * Its errors say what went wrong the way Node says it — with the path, and so the citizen's file name — and so
 * does its health check, which reports the last failed import (thrown as it is with `throw`, as its detail with `refuse`).
 */
export const unpackingAdapter: AdapterFactory<z.infer<typeof UnpackingConfig>> = {
  kind: 'unpack-folder',
  configSchema: UnpackingConfig,
  create({ instanceId, config }) {
    let lastFailure: Error | undefined;
    return {
      kind: 'unpack-folder',
      instanceId,
      async deliver(pkg) {
        const work = await mkdtemp(join(tmpdir(), 'unpack-'));
        try {
          const zip = join(work, 'package.zip');
          await pipeline(await pkg.open(), createWriteStream(zip));
          const entries = await readZip(zip);
          for (const entry of entries.reverse()) {
            try {
              await writeFile(join(config.path, entry.name), entry.content, { flag: 'wx' });
            } catch (error) {
              lastFailure = config.onError === 'throw' ? (error as Error) : new PermanentDeliveryError(`DMS import refused ${entry.name}: ${(error as Error).message}`, { cause: error });
              throw lastFailure;
            }
          }
          return { fileName: pkg.name, size: pkg.size };
        } finally {
          await rm(work, { recursive: true, force: true });
        }
      },
      health: async () => {
        if (lastFailure === undefined) return { ok: true };
        if (config.onError === 'throw') throw lastFailure;
        return { ok: false, detail: `last import failed: ${lastFailure.message}` };
      },
    };
  },
};
