import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { mappingNew } from './mapping-new.js';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'main.js');
const repo = join(import.meta.dirname, '..', '..', '..', '..');

async function weiche(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], { cwd: repo });
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
    } finally {
      log.mockRestore();
      await rm(root, { recursive: true, force: true });
    }
  });
});
