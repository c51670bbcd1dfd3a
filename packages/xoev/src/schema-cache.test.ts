import { appendFile, mkdtemp, readdir, rm, cp, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { resolveSchemaCacheDir, verifySchemaCache } from './schema-cache.js';
import { readManifest, SCHEMAS_DIR, XOEV_MANIFEST_PATH, FIT_CONNECT_MANIFEST_PATH } from './schema-manifest.js';
import { XsdValidator } from './xsd-validator.js';
import { installTempSchemaCache, runInstaller } from './test-support.js';

const MIRROR = join(import.meta.dirname, '../../../../shared/reference');

describe('schema cache', () => {
  let cacheDir: string;
  const cleanup: string[] = [];
  beforeAll(async () => {
    cacheDir = await installTempSchemaCache();
    cleanup.push(cacheDir);
  });
  afterAll(async () => {
    await Promise.all(cleanup.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('resolves the cache dir from WEICHE_SCHEMA_CACHE, else <cwd>/.weiche/schemas', () => {
    expect(resolveSchemaCacheDir({ WEICHE_SCHEMA_CACHE: '/srv/cache' }, '/app')).toBe('/srv/cache');
    expect(resolveSchemaCacheDir({}, '/app')).toBe('/app/.weiche/schemas');
  });

  it('manifests pin the files the standards need', async () => {
    const xoev = await readManifest(XOEV_MANIFEST_PATH);
    const xdomea = xoev.standards.find((s) => s.id === 'xdomea-3.1.0');
    const paths = xdomea?.files.map((f) => f.path) ?? [];
    expect(xdomea?.entry).toBe('xdomea/3.1.0/xdomea.xsd');
    expect(paths).toEqual(expect.arrayContaining(['xdomea/3.1.0/xdomea.xsd', 'xdomea/xoev/xoev-code.xsd', 'xdomea/codelists/Dateiformat_1.0.xml']));
    const xbau = xoev.standards.find((s) => s.id === 'xbau-2.6');
    expect(xbau?.files.length).toBe((await readdir(join(MIRROR, 'xbau-2.6'))).length);
    const fit = await readManifest(FIT_CONNECT_MANIFEST_PATH);
    expect(fit.standards.flatMap((s) => s.files.map((f) => f.path)).sort()).toEqual([
      'fit-connect/metadata.schema-1.0.0.json',
      'fit-connect/metadata.schema-2.1.0.json',
      'fit-connect/submission-api-1.1.3.yaml',
    ]);
  });

  it('verifies an intact cache and hands back the verified bytes', async () => {
    const verified = await verifySchemaCache({ cacheDir, standardId: 'xdomea-3.1.0' });
    expect(verified.files.get('xdomea/3.1.0/xdomea.xsd')?.toString('utf8')).toContain('urn:xoev-de:xdomea:schema:3.1.0');
  });

  it('refuses a tampered schema file with SCHEMA_FILE_TAMPERED, also when loading a validator', async () => {
    const tampered = await mkdtemp(join(tmpdir(), 'weiche-tampered-'));
    cleanup.push(tampered);
    await cp(cacheDir, tampered, { recursive: true });
    await chmod(join(tampered, 'xdomea/xoev/xoev-code.xsd'), 0o644);
    await appendFile(join(tampered, 'xdomea/xoev/xoev-code.xsd'), '<!-- changed -->');
    await expect(verifySchemaCache({ cacheDir: tampered, standardId: 'xdomea-3.1.0' })).rejects.toMatchObject({
      code: ErrorCode.SCHEMA_FILE_TAMPERED,
      message: expect.stringContaining('xdomea/xoev/xoev-code.xsd'),
    });
    await expect(XsdValidator.load({ cacheDir: tampered, standardId: 'xdomea-3.1.0' })).rejects.toMatchObject({
      code: ErrorCode.SCHEMA_FILE_TAMPERED,
    });
    // The other standard is untouched and still loads.
    await expect(verifySchemaCache({ cacheDir: tampered, standardId: 'xbau-2.6' })).resolves.toBeDefined();
  });

  it('reports a missing cache as CONFIG_INVALID naming the installer', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'weiche-empty-'));
    cleanup.push(empty);
    await expect(verifySchemaCache({ cacheDir: empty, standardId: 'xbau-2.6' })).rejects.toMatchObject({
      code: ErrorCode.CONFIG_INVALID,
      message: expect.stringContaining('install-schemas'),
    });
    await expect(verifySchemaCache({ cacheDir: empty, standardId: 'nope' })).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID });
  });
});

describe('scripts/install-schemas.mjs', () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    await Promise.all(cleanup.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('installs once, skips on the second run', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'weiche-inst-'));
    cleanup.push(cache);
    const first = await runInstaller({ WEICHE_SCHEMA_CACHE: cache, WEICHE_SCHEMA_MIRROR: MIRROR });
    expect(first.code).toBe(0);
    // Every manifest under schemas/ counts (other groups, e.g. xta, add their own).
    const groups = (await readdir(SCHEMAS_DIR, { withFileTypes: true })).filter((d) => d.isDirectory());
    const manifests = await Promise.all(groups.map((g) => readManifest(join(SCHEMAS_DIR, g.name, 'manifest.json')).catch(() => undefined)));
    const total = new Set(manifests.flatMap((m) => m?.standards.flatMap((st) => st.files.map((f) => f.path)) ?? [])).size;
    expect(first.stdout).toMatch(new RegExp(`\\b${total} installed, 0 already present`));
    const second = await runInstaller({ WEICHE_SCHEMA_CACHE: cache, WEICHE_SCHEMA_MIRROR: MIRROR });
    expect(second.stdout).toMatch(new RegExp(`\\b0 installed, ${total} already present`));
    expect(second.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a mirror file whose sha256 differs and installs nothing', async () => {
    const mirror = await mkdtemp(join(tmpdir(), 'weiche-mirror-'));
    const cache = await mkdtemp(join(tmpdir(), 'weiche-inst-'));
    cleanup.push(mirror, cache);
    await cp(MIRROR, mirror, { recursive: true });
    await chmod(join(mirror, 'xbau-2.6/xoev-code.xsd'), 0o644);
    await appendFile(join(mirror, 'xbau-2.6/xoev-code.xsd'), ' ');
    const result = await runInstaller({ WEICHE_SCHEMA_CACHE: cache, WEICHE_SCHEMA_MIRROR: mirror });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('REFUSED xbau-2.6/xoev-code.xsd');
    expect(await readdir(cache)).toEqual([]);
  });

  it('fails clearly when a file is in no mirror and has no download URL', async () => {
    const mirror = await mkdtemp(join(tmpdir(), 'weiche-mirror-'));
    const cache = await mkdtemp(join(tmpdir(), 'weiche-inst-'));
    cleanup.push(mirror, cache);
    const result = await runInstaller({ WEICHE_SCHEMA_CACHE: cache, WEICHE_SCHEMA_MIRROR: mirror });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not in the mirror/);
  });
});
