import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the console, read once at start. */
export interface StaticAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Asset names are flat and plain: nothing a path could be smuggled through. */
const SAFE_NAME = /^[a-z0-9][a-z0-9-]*\.(?:html|js|css|svg)$/;

/**
 * The directory of the console's static files. Compiled code runs from dist/, which tsc does not
 * copy assets into: the sources beside it (src/admin/console/static) are the fallback.
 */
export function staticDir(): string {
  const here = fileURLToPath(new URL('./static/', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../../src/admin/console/static/', import.meta.url));
}

/** Reads every servable file of the directory into memory, keyed by file name. */
export function loadStaticAssets(dir: string = staticDir()): ReadonlyMap<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  for (const name of readdirSync(dir).sort()) {
    if (!SAFE_NAME.test(name)) continue;
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType === undefined) continue;
    assets.set(name, { body: readFileSync(join(dir, name)), contentType });
  }
  return assets;
}
