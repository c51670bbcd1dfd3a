import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { adapterNew, placeholders } from './adapter-new.js';

const repo = join(import.meta.dirname, '..', '..', '..', '..');
const run = promisify(execFile);

// The scaffold goes into a temp dir (never into the workspace, where other test runs would pick it up);
// node_modules links and path aliases give it the workspace packages the way pnpm would.
async function workspaceLinks(dir: string): Promise<void> {
  await mkdir(join(dir, 'node_modules', '@types'), { recursive: true });
  await symlink(await realpath(join(repo, 'packages', 'adapter-sdk', 'node_modules', 'zod')), join(dir, 'node_modules', 'zod'));
  await symlink(await realpath(join(repo, 'node_modules', 'vitest')), join(dir, 'node_modules', 'vitest'));
  await symlink(await realpath(join(repo, 'node_modules', '@types', 'node')), join(dir, 'node_modules', '@types', 'node'));
}

const sources = {
  '@weiche/adapter-sdk/conformance': join(repo, 'packages', 'adapter-sdk', 'src', 'conformance.ts'),
  '@weiche/adapter-sdk': join(repo, 'packages', 'adapter-sdk', 'src', 'index.ts'),
  '@weiche/core': join(repo, 'packages', 'core', 'src', 'index.ts'),
};

describe('weiche adapter new', () => {
  it('derives the placeholder words from a kebab-case name', () => {
    expect(placeholders('acme-dms')).toEqual({ __name__: 'acme-dms', __Name__: 'AcmeDms', __camelName__: 'acmeDms', __CONST__: 'ACME_DMS_' });
  });

  it('names the hub file that registers adapter kinds, and that file holds ADAPTER_KINDS', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adapter-new-'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await adapterNew('acme-dms', dir);
      const printed = log.mock.calls.flat().join('\n');
      const named = /register acmeDmsAdapter in ADAPTER_KINDS \((services\/hub\/src\/[^)]+\.ts)\)/.exec(printed);
      expect(named, printed).not.toBeNull();
      expect(await readFile(join(repo, named![1]!), 'utf8')).toMatch(/export const ADAPTER_KINDS\b/);
    } finally {
      log.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad name and a non-empty target', async () => {
    await expect(adapterNew('Bad Name', undefined)).rejects.toThrow(/usage/);
    const dir = await mkdtemp(join(tmpdir(), 'adapter-new-'));
    await writeFile(join(dir, 'x'), '');
    await expect(adapterNew('acme', dir)).rejects.toThrow(/not empty/);
  });

  it('scaffolds a package that type-checks strictly and passes the conformance suite as generated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adapter-new-'));
    // the workspace layout, so the generated tsconfig's `extends: ../../../tsconfig.base.json` resolves
    const target = join(dir, 'packages', 'adapters', 'acme-dms');
    await mkdir(join(dir, 'packages', 'adapters'), { recursive: true });
    await copyFile(join(repo, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
    for (const referenced of ['core', 'adapter-sdk']) await symlink(join(repo, 'packages', referenced), join(dir, 'packages', referenced));
    expect(await adapterNew('acme-dms', target)).toBe(0);
    expect((await readdir(target)).sort()).toEqual(['package.json', 'src', 'tsconfig.json']);
    expect((await readdir(join(target, 'src'))).sort()).toEqual(['acme-dms.test.ts', 'acme-dms.ts', 'index.ts']);
    const pkg = JSON.parse(await readFile(join(target, 'package.json'), 'utf8')) as { name: string };
    expect(pkg.name).toBe('@weiche/adapter-acme-dms');
    const source = await readFile(join(target, 'src', 'acme-dms.ts'), 'utf8');
    expect(source).toContain('export const acmeDmsAdapter');
    expect(source).toContain('FILL IN');
    expect(source).not.toMatch(/__(name|Name|camelName|CONST)__/);
    // the file the generated code tells its author to register the adapter in holds ADAPTER_KINDS
    const registry = /ADAPTER_KINDS \((services\/hub\/src\/[^)]+\.ts)\)/.exec(source);
    expect(registry, 'the source names the hub file of ADAPTER_KINDS').not.toBeNull();
    expect(await readFile(join(repo, registry![1]!), 'utf8')).toMatch(/export const ADAPTER_KINDS\b/);

    await workspaceLinks(dir);
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(repo, 'tsconfig.base.json'),
        compilerOptions: { noEmit: true, composite: false, incremental: false, declaration: false, declarationMap: false, paths: Object.fromEntries(Object.entries(sources).map(([k, v]) => [k, [v]])) },
        include: ['packages/adapters/acme-dms/src'],
      }),
    );
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    await expect(run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir })).resolves.toBeDefined();

    const alias = Object.entries(sources).map(([find, replacement]) => `{ find: /^${find.replace(/[/-]/g, '\\$&')}$/, replacement: ${JSON.stringify(replacement)} }`);
    await writeFile(
      join(dir, 'vitest.config.mjs'),
      `export default { resolve: { alias: [${alias.join(', ')}] }, test: { include: ['packages/adapters/**/src/*.test.ts'], testTimeout: 300000, hookTimeout: 60000 } };\n`,
    );
    const vitest = join(repo, 'node_modules', 'vitest', 'vitest.mjs');
    const { stdout } = await run(process.execPath, [vitest, 'run', '--root', dir, '--config', join(dir, 'vitest.config.mjs')], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
    });
    expect(stdout).toContain('adapter conformance: acme-dms');
    expect(stdout).toMatch(/Tests\s+12 passed \(12\)/);
  }, 600_000);
});
