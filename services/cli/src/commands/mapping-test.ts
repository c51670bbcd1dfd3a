import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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

/** Finds the module with this id among packages/mappings/* (built dist) and its samples directory. */
export async function findMappingModule(id: string, root: string = ROOT): Promise<{ module: ModuleLike; samplesDir: string } | undefined> {
  const base = join(root, 'packages', 'mappings');
  for (const pkg of readdirSync(base)) {
    const entry = join(base, pkg, 'dist', 'index.js');
    if (!existsSync(entry)) continue;
    const exports = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    const module = Object.values(exports).find((v): v is ModuleLike => isModule(v) && v.id === id);
    if (!module) continue;
    const own = join(base, pkg, 'samples', id);
    return { module, samplesDir: existsSync(own) ? own : join(base, pkg, 'samples') };
  }
  return undefined;
}

/** `weiche mapping test <module> [--sample <name>] [--update]`: runs the golden samples, prints XSD verdicts and diffs; 1 on mismatch. */
export async function mappingTest(id: string, options: { sample?: string | undefined; update?: boolean | undefined } = {}): Promise<number> {
  const sample = options.sample;
  const found = await findMappingModule(id);
  if (!found) {
    console.error(`no mapping module ${id} in packages/mappings (built?)`);
    return 1;
  }
  const kit = (await import(pathToFileURL(join(ROOT, 'packages', 'mapping-sdk', 'dist', 'golden.js')).href)) as GoldenKit;
  const cacheDir = process.env['WEICHE_SCHEMA_CACHE'] ?? join(process.cwd(), '.weiche', 'schemas');
  const report = await kit.runGoldenSamples(found.module, {
    samplesDir: found.samplesDir,
    cacheDir,
    ...(sample === undefined ? {} : { only: sample }),
    update: options.update === true,
  });
  console.log(kit.formatGoldenReport(report));
  return report.ok ? 0 : 1;
}
