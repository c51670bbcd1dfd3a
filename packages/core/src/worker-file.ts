import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The URL of a worker thread's entry `<name>.js` in the directory of `moduleUrl` (the pool's own module).
 * Under vitest a package runs from `src/*.ts`, which a worker thread cannot load, so the compiled twin in
 * the package's `dist/` is used (`npm test` builds first); a missing file is said at start, not at the
 * first task.
 */
export function workerFileBeside(moduleUrl: string, name: string): string {
  const fromSource = moduleUrl.endsWith('.ts');
  const at = fromSource ? moduleUrl.lastIndexOf('/src/') : -1;
  if (fromSource && at < 0) throw new Error(`${moduleUrl} is not below a package's src/`);
  const base = fromSource ? `${moduleUrl.slice(0, at)}/dist/${moduleUrl.slice(at + '/src/'.length)}` : moduleUrl;
  const url = new URL(`./${name}.js`, base);
  if (!existsSync(fileURLToPath(url))) throw new Error(`worker ${fileURLToPath(url)} is missing: build the workspace first (npx tsc -b)`);
  return url.href;
}

/** Checks a pool's configured thread count (0 runs the work on the calling thread). */
export function checkedThreadCount(threads: number, pool: string): number {
  if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`${pool} threads must be an integer ≥ 0, got ${threads}`);
  return threads;
}
