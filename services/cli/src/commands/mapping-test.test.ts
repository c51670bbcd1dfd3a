import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { buildScaffold, runScaffoldTests, scaffoldWorkspace } from '../scaffold.test-support.js';
import { mappingNew } from './mapping-new.js';
import { mappingTest } from './mapping-test.js';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'main.js');
const repo = join(import.meta.dirname, '..', '..', '..', '..');
const run = promisify(execFile);

async function weiche(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return weicheIn(repo, ...args);
}

async function weicheIn(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd });
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

  it('test finds the schemas install-schemas put beside the repository when run from another directory', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'weiche-elsewhere-'));
    try {
      const result = await weicheIn(elsewhere, 'mapping', 'test', 'bauantrag-xbau', '--sample', 'minimal');
      expect(result.stdout).toContain('ok  minimal');
      expect(result.code).toBe(0);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
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
    const dir = await scaffoldWorkspace(['core', 'xml', 'mapping-sdk', 'xoev']);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await mappingNew('gewerbe-anmeldung', dir)).toBe(0);
      const pkg = join(dir, 'packages', 'mappings', 'gewerbe-anmeldung');
      await buildScaffold(dir, pkg);
      // as the developer runs it next: writes the expected file from the built module
      expect(await mappingTest('gewerbe-anmeldung', { update: true }, dir)).toBe(0);
      expect((await readdir(join(pkg, 'samples'))).sort()).toEqual(['beispiel.context.json', 'beispiel.expected.xml', 'beispiel.input.json']);
      const report = await runScaffoldTests(dir);
      expect(report).toContain('rejects invalid input with SCHEMA_VIOLATION');
      expect(report).toMatch(/Tests\s+2 passed \(2\)/);
    } finally {
      log.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
