// Tests run against the TypeScript sources of the workspace packages (aliases below),
// so a change is tested without a build; child processes started by end-to-end tests
// run the built hub from dist (npm test builds first).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;
// `@weiche/x` → packages/…/x/src/index.ts and `@weiche/x/sub` → …/src/sub.ts (subpath exports such as
// `@weiche/adapter-sdk/conformance`).
const alias: Array<{ find: RegExp; replacement: string }> = [];
for (const group of ['packages', 'packages/mappings', 'packages/adapters', 'services']) {
  for (const dir of readdirSync(join(root, group))) {
    const manifest = join(root, group, dir, 'package.json');
    const source = join(root, group, dir, 'src');
    if (!existsSync(manifest) || !existsSync(join(source, 'index.ts'))) continue;
    const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string };
    const escaped = name.replace(/[/\-]/g, (c) => `\\${c}`);
    alias.push({ find: new RegExp(`^${escaped}$`), replacement: join(source, 'index.ts') });
    alias.push({ find: new RegExp(`^${escaped}/(.+)$`), replacement: `${source}/$1.ts` });
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
