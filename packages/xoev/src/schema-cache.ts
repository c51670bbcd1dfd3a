import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { WeicheError, ErrorCode, errorMessage } from '@weiche/core';
import { readManifest, XOEV_MANIFEST_PATH } from './schema-manifest.js';
import type { ManifestStandard } from './schema-manifest.js';

/** A standard whose files were read from the cache and matched the manifest's sha256. */
export interface VerifiedStandard {
  readonly standard: ManifestStandard;
  readonly cacheDir: string;
  /** Verified bytes by manifest path; callers use these instead of re-reading the disk (no check-then-use gap). */
  readonly files: ReadonlyMap<string, Buffer>;
}

/** The schema cache dir: WEICHE_SCHEMA_CACHE, else `<cwd>/.weiche/schemas` (same rule as scripts/install-schemas.mjs). */
export function resolveSchemaCacheDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const fromEnv = env['WEICHE_SCHEMA_CACHE'];
  return fromEnv ? resolve(fromEnv) : join(cwd, '.weiche', 'schemas');
}

function cachePath(cacheDir: string, path: string): string {
  const target = resolve(cacheDir, path);
  const rel = relative(cacheDir, target);
  if (isAbsolute(path) || rel.startsWith('..') || isAbsolute(rel)) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `schema manifest path escapes the cache: ${path}`);
  }
  return target;
}

/** Re-checks the sha256 of every file of one standard in the cache; a mismatch is SCHEMA_FILE_TAMPERED. */
export async function verifySchemaCache(opts: { cacheDir: string; manifestPath?: string; standardId: string }): Promise<VerifiedStandard> {
  const cacheDir = resolve(opts.cacheDir);
  const manifest = await readManifest(opts.manifestPath ?? XOEV_MANIFEST_PATH);
  const standard = manifest.standards.find((s) => s.id === opts.standardId);
  if (!standard) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `standard ${opts.standardId} is not in the schema manifest`);
  }
  const files = new Map<string, Buffer>();
  await Promise.all(
    standard.files.map(async (file) => {
      let bytes: Buffer;
      try {
        bytes = await readFile(cachePath(cacheDir, file.path));
      } catch (e) {
        if (e instanceof WeicheError) throw e;
        throw new WeicheError(
          ErrorCode.CONFIG_INVALID,
          `schema file ${file.path} missing in ${cacheDir} (run node scripts/install-schemas.mjs): ${errorMessage(e)}`,
          { cause: e },
        );
      }
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== file.sha256) {
        throw new WeicheError(
          ErrorCode.SCHEMA_FILE_TAMPERED,
          `schema file ${file.path} in ${cacheDir} has sha256 ${actual}, manifest pins ${file.sha256}; refusing to load ${standard.id}`,
        );
      }
      files.set(file.path, bytes);
    }),
  );
  return { standard, cacheDir, files };
}
