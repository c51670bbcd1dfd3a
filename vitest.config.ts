// Tests run against the TypeScript sources of the workspace packages (aliases below),
// so a change is tested without a build; child processes started by end-to-end tests
// run the built hub from dist (npm test builds first).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;
const alias: Record<string, string> = {};
for (const group of ['packages', 'packages/mappings', 'packages/adapters', 'services']) {
  for (const dir of readdirSync(join(root, group))) {
    const manifest = join(root, group, dir, 'package.json');
    const source = join(root, group, dir, 'src', 'index.ts');
    if (!existsSync(manifest) || !existsSync(source)) continue;
    const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string };
    alias[name] = source;
  }
}

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/**/src/**/*.test.ts', 'services/**/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
    pool: 'forks',
  },
});
