import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/**
 * Browser modules the console imports from packages (served under their own flat name, no bundler):
 * oauth4webapi does the OpenID Connect code flow with PKCE, state and nonce checks.
 */
const VENDOR_MODULES: Readonly<Record<string, string>> = { 'oauth4webapi.js': 'oauth4webapi' };

function vendorModule(specifier: string): Buffer {
  const source = readFileSync(createRequire(import.meta.url).resolve(specifier), 'utf8');
  // the source map is not shipped with the console: drop the reference a browser would fetch
  return Buffer.from(source.replace(/^\/\/# sourceMappingURL=.*$/m, ''));
}

/** The console's files and the vendored modules, read into memory once. */
export function loadConsoleAssets(): ReadonlyMap<string, StaticAsset> {
  const assets = new Map(loadStaticAssets());
  for (const [name, specifier] of Object.entries(VENDOR_MODULES)) assets.set(name, { body: vendorModule(specifier), contentType: CONTENT_TYPES['.js'] ?? '' });
  return assets;
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
