import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WeicheError, ErrorCode, errorMessage } from '@weiche/core';
import { z } from 'zod';

/** One file of a standard, as pinned in `schemas/<group>/manifest.json`. */
export const ManifestFile = z.object({
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  url: z.url().optional(),
});

/** One standard (e.g. xdomea 3.1.0): its entry file and every file it needs. */
export const ManifestStandard = z.object({
  id: z.string().min(1),
  version: z.string().min(1),
  namespace: z.string().optional(),
  entry: z.string().min(1),
  sourceUrl: z.string().optional(),
  files: z.array(ManifestFile).min(1),
});

/** The manifest file format shared by `schemas/*\/manifest.json` and `scripts/install-schemas.mjs`. */
export const SchemaManifest = z.object({ standards: z.array(ManifestStandard) });

export type ManifestFile = z.infer<typeof ManifestFile>;
export type ManifestStandard = z.infer<typeof ManifestStandard>;
export type SchemaManifest = z.infer<typeof SchemaManifest>;

// src/ and dist/ are both two levels below the package, so one relative URL serves both.
const schemasRoot = new URL('../../../schemas/', import.meta.url);

/** Absolute path of the repo's `schemas/` directory. */
export const SCHEMAS_DIR: string = fileURLToPath(schemasRoot);
/** Manifest of the xÖV standards (xdomea, XBau). */
export const XOEV_MANIFEST_PATH: string = fileURLToPath(new URL('xoev/manifest.json', schemasRoot));
/** Manifest of the FIT-Connect metadata JSON schemas. */
export const FIT_CONNECT_MANIFEST_PATH: string = fileURLToPath(new URL('fit-connect/manifest.json', schemasRoot));

/** Reads and validates a manifest file. */
export async function readManifest(manifestPath: string): Promise<SchemaManifest> {
  let raw: string;
  try {
    raw = await readFile(manifestPath, 'utf8');
  } catch (e) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `schema manifest ${manifestPath} unreadable: ${errorMessage(e)}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `schema manifest ${manifestPath} is not JSON: ${errorMessage(e)}`, { cause: e });
  }
  const parsed = SchemaManifest.safeParse(json);
  if (!parsed.success) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `schema manifest ${manifestPath} invalid: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
