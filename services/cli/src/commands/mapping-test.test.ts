import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, mkdir, readFile, readdir, realpath, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { mappingNew } from './mapping-new.js';
import { mappingTest } from './mapping-test.js';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'main.js');
const repo = join(import.meta.dirname, '..', '..', '..', '..');
const run = promisify(execFile);

// The scaffold goes into a temp dir (never into the workspace, where other test runs would pick it up); node_modules
// links give it the workspace packages (their built dist/) and tools the way pnpm would.
async function workspaceLinks(dir: string): Promise<void> {
  await mkdir(join(dir, 'node_modules', '@types'), { recursive: true });
  await mkdir(join(dir, 'node_modules', '@weiche'), { recursive: true });
  await symlink(await realpath(join(repo, 'packages', 'mapping-sdk', 'node_modules', 'zod')), join(dir, 'node_modules', 'zod'));
  await symlink(await realpath(join(repo, 'node_modules', 'vitest')), join(dir, 'node_modules', 'vitest'));
  await symlink(await realpath(join(repo, 'node_modules', '@types', 'node')), join(dir, 'node_modules', '@types', 'node'));
  for (const pkg of ['core', 'mapping-sdk', 'xoev']) await symlink(join(repo, 'packages', pkg), join(dir, 'node_modules', '@weiche', pkg));
}

async function weiche(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: repo });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('weiche mapping', () => {
  it('test runs one golden sample and prints the XSD verdict', async () => {
    const result = await weiche('mapping', 'test', 'bauantrag-xbau', '--sample', 'minimal');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok  minimal');
    expect(result.stdout).toContain('XSD: valid');
    expect(result.stdout).not.toContain('einfamilienhaus');
  });

  it('test exits 1 for an unknown module', async () => {
    const result = await weiche('mapping', 'test', 'gibt-es-nicht');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no mapping module gibt-es-nicht');
  });

  it('new scaffolds a package with module, golden test and sample, and refuses to overwrite', async () => {
    const root = await mkdtemp(join(tmpdir(), 'weiche-scaffold-'));
    await mkdir(join(root, 'packages', 'mappings'), { recursive: true });
    expect(await mappingNew('gewerbe-anmeldung', root)).toBe(0);
    const dir = join(root, 'packages', 'mappings', 'gewerbe-anmeldung');
    expect(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))).toMatchObject({ name: '@weiche/mapping-gewerbe-anmeldung' });
    expect(await readFile(join(dir, 'src', 'gewerbe-anmeldung.ts'), 'utf8')).toContain("const ID = 'gewerbe-anmeldung';");
    expect(await readFile(join(dir, 'src', 'gewerbe-anmeldung.test.ts'), 'utf8')).toContain('runGoldenSamples(gewerbeAnmeldung');
    expect(await readFile(join(dir, 'samples', 'beispiel.input.json'), 'utf8')).toContain('Größe');
    expect(await mappingNew('gewerbe-anmeldung', root)).toBe(1);
    await expect(mappingNew('Not Valid', root)).rejects.toThrow(/kebab-case/);
    await rm(root, { recursive: true, force: true });
  });

  it('new names the hub file that registers mapping modules, and that file holds MAPPING_MODULES', async () => {
    const root = await mkdtemp(join(tmpdir(), 'weiche-scaffold-'));
    await mkdir(join(root, 'packages', 'mappings'), { recursive: true });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await mappingNew('gewerbe-anmeldung', root)).toBe(0);
      const printed = log.mock.calls.flat().join('\n');
      const named = /add gewerbeAnmeldung to MAPPING_MODULES \((services\/hub\/src\/[^)]+\.ts)\)/.exec(printed);
      expect(named, printed).not.toBeNull();
      expect(await readFile(join(repo, named![1]!), 'utf8')).toMatch(/export const MAPPING_MODULES\b/);
      // the printed commands run as written in a checkout (`weiche` itself is not on the PATH there)
      expect(printed).toContain('npm run weiche -- mapping test gewerbe-anmeldung --update');
      expect(printed).not.toMatch(/^\s*(then: )?weiche /m);
      expect(printed).toContain('submissionSchemas');
    } finally {
      log.mockRestore();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('test refuses a build older than the module sources, which would map the samples with the previous code', async () => {
    const root = await mkdtemp(join(tmpdir(), 'weiche-stale-'));
    const pkg = join(root, 'packages', 'mappings', 'hundesteuer');
    await mkdir(join(pkg, 'src'), { recursive: true });
    await mkdir(join(pkg, 'dist'), { recursive: true });
    await mkdir(join(pkg, 'samples'), { recursive: true });
    await writeFile(join(pkg, 'dist', 'index.js'), "export const hundesteuer = { id: 'hundesteuer', version: '0.1.0', sources: [], map() { throw new Error('the old build ran'); } };\n");
    await writeFile(join(pkg, 'dist', '.tsbuildinfo'), '{}');
    await writeFile(join(pkg, 'src', 'hundesteuer.ts'), '// edited after the build\n');
    const built = new Date(Date.now() - 60_000);
    await utimes(join(pkg, 'dist', '.tsbuildinfo'), built, built);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await mappingTest('hundesteuer', {}, root)).toBe(1);
      expect(error.mock.calls.flat().join('\n')).toContain('packages/mappings/hundesteuer: src/ changed after the last build; run npx tsc -b first');
    } finally {
      error.mockRestore();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('test names a mapping package that is not built yet and how to build it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'weiche-unbuilt-'));
    await mkdir(join(root, 'packages', 'mappings'), { recursive: true });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await mappingNew('hundesteuer', root)).toBe(0);
      expect(await mappingTest('hundesteuer', {}, root)).toBe(1);
      const printed = error.mock.calls.flat().join('\n');
      expect(printed).toContain('no mapping module hundesteuer');
      expect(printed).toContain('not built yet: packages/mappings/hundesteuer — add each to the references in the root tsconfig.json, then run npx tsc -b');
    } finally {
      log.mockRestore();
      error.mockRestore();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('new scaffolds a package that builds strictly and, after `mapping test --update`, passes its own tests', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weiche-scaffold-'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      // the workspace layout, so the generated tsconfig's `extends` and `references` resolve
      await mkdir(join(dir, 'packages', 'mappings'), { recursive: true });
      await copyFile(join(repo, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
      for (const referenced of ['core', 'xml', 'mapping-sdk', 'xoev']) await symlink(join(repo, 'packages', referenced), join(dir, 'packages', referenced));
      await workspaceLinks(dir);
      expect(await mappingNew('gewerbe-anmeldung', dir)).toBe(0);
      const pkg = join(dir, 'packages', 'mappings', 'gewerbe-anmeldung');
      await expect(run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(pkg, 'tsconfig.json')], { cwd: dir })).resolves.toBeDefined();

      // as the developer runs it next: writes the expected file from the built module
      expect(await mappingTest('gewerbe-anmeldung', { update: true }, dir)).toBe(0);
      expect((await readdir(join(pkg, 'samples'))).sort()).toEqual(['beispiel.context.json', 'beispiel.expected.xml', 'beispiel.input.json']);

      await writeFile(join(dir, 'vitest.config.mjs'), "export default { test: { include: ['packages/mappings/*/src/*.test.ts'], testTimeout: 120000, hookTimeout: 120000 } };\n");
      const { stdout } = await run(process.execPath, [join(repo, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter', 'verbose', '--root', dir, '--config', join(dir, 'vitest.config.mjs')], {
        cwd: dir,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, NO_COLOR: '1', CI: '1' },
      });
      expect(stdout).toContain('rejects invalid input with SCHEMA_VIOLATION');
      expect(stdout).toMatch(/Tests\s+2 passed \(2\)/);
    } finally {
      log.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
