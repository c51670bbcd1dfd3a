import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The CLI loads the golden kit and the mapping packages from the workspace at run time, so a new
// mapping needs no change (and no dependency) here.
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

interface ModuleLike {
  id: string;
  version: string;
}

interface GoldenKit {
  runGoldenSamples(module: ModuleLike, opts: { samplesDir: string; cacheDir: string; only?: string; update?: boolean }): Promise<{ ok: boolean }>;
  formatGoldenReport(report: { ok: boolean }): string;
}

function isModule(value: unknown): value is ModuleLike {
  return typeof value === 'object' && value !== null && typeof (value as ModuleLike).id === 'string' && typeof (value as { map?: unknown }).map === 'function';
}

/** Newest modification time (ms) of the files under `dir`, 0 when there are none. */
function newestChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * True when the package's sources changed after its last build. The CLI runs the built module (dist/), so a stale
 * build would map the samples with the previous code — and `--update` would write that into the expected files.
 * `tsc -b` touches dist/.tsbuildinfo on every build of the package, also when no output changed.
 */
export function buildIsStale(pkgDir: string): boolean {
  const built = statSync(join(pkgDir, 'dist', '.tsbuildinfo'), { throwIfNoEntry: false }) ?? statSync(join(pkgDir, 'dist', 'index.js'), { throwIfNoEntry: false });
  const src = join(pkgDir, 'src');
  return built !== undefined && existsSync(src) && newestChange(src) > built.mtimeMs;
}

/** Mapping packages that have sources but no build yet (a new package not yet in the root tsconfig.json references). */
export function unbuiltMappingPackages(root: string = ROOT): string[] {
  const base = join(root, 'packages', 'mappings');
  return readdirSync(base).filter((pkg) => existsSync(join(base, pkg, 'src')) && !existsSync(join(base, pkg, 'dist', 'index.js')));
}

/** Finds the module with this id among packages/mappings/* (built dist), its package directory and its samples directory. */
export async function findMappingModule(id: string, root: string = ROOT): Promise<{ module: ModuleLike; pkgDir: string; samplesDir: string } | undefined> {
  const base = join(root, 'packages', 'mappings');
  for (const pkg of readdirSync(base)) {
    const entry = join(base, pkg, 'dist', 'index.js');
    if (!existsSync(entry)) continue;
    const exports = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    const module = Object.values(exports).find((v): v is ModuleLike => isModule(v) && v.id === id);
    if (!module) continue;
    const own = join(base, pkg, 'samples', id);
    return { module, pkgDir: join(base, pkg), samplesDir: existsSync(own) ? own : join(base, pkg, 'samples') };
  }
  return undefined;
}

/** `weiche mapping test <module> [--sample <name>] [--update]`: runs the golden samples, prints XSD verdicts and diffs; 1 on mismatch. */
export async function mappingTest(id: string, options: { sample?: string | undefined; update?: boolean | undefined } = {}, root: string = ROOT): Promise<number> {
  const sample = options.sample;
  const found = await findMappingModule(id, root);
  if (!found) {
    const unbuilt = unbuiltMappingPackages(root);
    const hint = unbuilt.length === 0
      ? ''
      : `\nnot built yet: ${unbuilt.map((p) => `packages/mappings/${p}`).join(', ')} — add each to the references in the root tsconfig.json, then run npx tsc -b`;
    console.error(`no mapping module ${id} in packages/mappings (the id is the module's \`id\`, built into dist/ by npx tsc -b)${hint}`);
    return 1;
  }
  if (buildIsStale(found.pkgDir)) {
    console.error(`${relative(root, found.pkgDir)}: src/ changed after the last build; run npx tsc -b first (mapping test runs the built module in dist/)`);
    return 1;
  }
  const kit = (await import(pathToFileURL(join(ROOT, 'packages', 'mapping-sdk', 'dist', 'golden.js')).href)) as GoldenKit;
  // where scripts/install-schemas.mjs puts them: beside the repository, wherever the command is run from
  const cacheDir = process.env['WEICHE_SCHEMA_CACHE'] ?? join(ROOT, '.weiche', 'schemas');
  const report = await kit.runGoldenSamples(found.module, {
    samplesDir: found.samplesDir,
    cacheDir,
    ...(sample === undefined ? {} : { only: sample }),
    update: options.update === true,
  });
  console.log(kit.formatGoldenReport(report));
  return report.ok ? 0 : 1;
}
