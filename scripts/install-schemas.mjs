#!/usr/bin/env node
// Installs the official schema files listed in schemas/*/manifest.json into the local cache
// (see /work/shared/specs/xoev-targets.md, "Schemas in the project"). Plain Node, no npm
// dependencies: it runs before anything is installed or built.
//
//   mirror: WEICHE_SCHEMA_MIRROR, else ../shared/reference next to the repo (if it exists),
//           else download from the file's `url` (or the standard's `sourceUrl` when it ends in '/').
//   cache:  WEICHE_SCHEMA_CACHE, else <repo>/.weiche/schemas
//
// Every file is checked against its sha256 BEFORE anything is written; one mismatch refuses the
// whole run (exit 1) so the cache is never half-installed. Each write goes to a temp file that is
// renamed into place.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const schemasDir = join(repoRoot, 'schemas');

class InstallError extends Error {}

function sha256(buf) {
  return createHash('sha256').update(buf).digest('hex');
}

function resolveMirror() {
  if (process.env.WEICHE_SCHEMA_MIRROR) return resolve(process.env.WEICHE_SCHEMA_MIRROR);
  const fallback = resolve(repoRoot, '..', 'shared', 'reference');
  return existsSync(fallback) ? fallback : undefined;
}

function resolveCache() {
  return process.env.WEICHE_SCHEMA_CACHE ? resolve(process.env.WEICHE_SCHEMA_CACHE) : join(repoRoot, '.weiche', 'schemas');
}

/** Rejects absolute paths and '..' so a manifest can never write outside the cache. */
function safeRelative(root, p, manifestFile) {
  const target = resolve(root, normalize(p));
  const rel = relative(root, target);
  if (isAbsolute(p) || rel.startsWith('..') || isAbsolute(rel)) {
    throw new InstallError(`${manifestFile}: file path escapes the schema root: ${p}`);
  }
  return target;
}

function loadManifests() {
  const out = [];
  for (const dir of readdirSync(schemasDir, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const file = join(schemasDir, dir.name, 'manifest.json');
    if (!existsSync(file)) continue;
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new InstallError(`${relative(repoRoot, file)}: not valid JSON (${e.message})`);
    }
    if (!Array.isArray(manifest?.standards)) throw new InstallError(`${relative(repoRoot, file)}: missing "standards" array`);
    out.push({ file: relative(repoRoot, file), manifest });
  }
  return out;
}

function downloadUrl(standard, entry) {
  if (typeof entry.url === 'string') return entry.url;
  if (typeof standard.sourceUrl === 'string' && standard.sourceUrl.endsWith('/')) return new URL(entry.path, standard.sourceUrl).href;
  return undefined;
}

async function fetchBytes(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

async function main() {
  const mirror = resolveMirror();
  const cache = resolveCache();
  const manifests = loadManifests();
  const pending = [];
  let skipped = 0;
  let standards = 0;

  // Phase 1: read and verify everything; write nothing.
  for (const { file: manifestFile, manifest } of manifests) {
    for (const standard of manifest.standards) {
      standards += 1;
      for (const entry of standard.files ?? []) {
        if (typeof entry.path !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256 ?? '')) {
          throw new InstallError(`${manifestFile}: standard ${standard.id}: file entry needs "path" and a hex "sha256"`);
        }
        const dest = safeRelative(cache, entry.path, manifestFile);
        if (existsSync(dest) && sha256(readFileSync(dest)) === entry.sha256) {
          skipped += 1;
          continue;
        }
        let bytes;
        let origin;
        const mirrored = mirror ? safeRelative(mirror, entry.path, manifestFile) : undefined;
        if (mirrored && existsSync(mirrored)) {
          bytes = readFileSync(mirrored);
          origin = mirrored;
        } else {
          const url = downloadUrl(standard, entry);
          if (!url) {
            throw new InstallError(
              `${entry.path} (${standard.id}): not in the mirror (${mirror ?? 'none: set WEICHE_SCHEMA_MIRROR'}) and the manifest gives no download URL`,
            );
          }
          try {
            bytes = await fetchBytes(url);
          } catch (e) {
            throw new InstallError(`${entry.path} (${standard.id}): not in the mirror and download from ${url} failed (${e.message}); offline? set WEICHE_SCHEMA_MIRROR`);
          }
          origin = url;
        }
        const actual = sha256(bytes);
        if (actual !== entry.sha256) {
          throw new InstallError(
            `REFUSED ${entry.path} (${standard.id}) from ${origin}: sha256 ${actual} does not match manifest ${entry.sha256}`,
          );
        }
        pending.push({ dest, bytes });
      }
    }
  }

  // Phase 2: temp file + rename per file, so a reader never sees a partial file.
  for (const { dest, bytes } of pending) {
    mkdirSync(dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(tmp, bytes);
      renameSync(tmp, dest);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  const shown = relative(process.cwd(), cache) || '.';
  console.log(
    `install-schemas: ${standards} standards, ${pending.length} installed, ${skipped} already present → ${shown.startsWith('..') ? cache : shown}`,
  );
}

main().catch((e) => {
  console.error(`install-schemas: ${e instanceof InstallError ? e.message : (e?.stack ?? String(e))}`);
  process.exit(1);
});
