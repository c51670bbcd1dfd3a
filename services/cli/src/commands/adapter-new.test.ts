import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { buildScaffold, runScaffoldTests, scaffoldWorkspace } from '../scaffold.test-support.js';
import { adapterNew, placeholders } from './adapter-new.js';

const repo = join(import.meta.dirname, '..', '..', '..', '..');

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

  it('scaffolds a package that builds strictly and passes the conformance suite and its own tests as generated', async () => {
    const dir = await scaffoldWorkspace(['core', 'adapter-sdk']);
    try {
      const target = join(dir, 'packages', 'adapters', 'acme-dms');
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

      await buildScaffold(dir, target);
      const report = await runScaffoldTests(dir);
      expect(report).toContain('adapter conformance: acme-dms');
      expect(report).toContain('a file already under the package name');
      expect(report).toMatch(/Tests\s+12 passed \(12\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
