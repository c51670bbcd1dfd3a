import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '@weiche/config';
import { loadEvidenceKeys, loadMasterKeys, loadSigner, tenantKeyring } from '@weiche/hub';
import { weiche } from '../weiche-cli.test-support.js';

async function hubDir(): Promise<{ file: string; dataDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cli-rotate-'));
  const file = join(dir, 'weiche.yaml');
  await writeFile(file, `dataDir: ${join(dir, 'data')}\ntenants:\n  - { id: testhausen, name: Testhausen, behoerdenkennung: "ags:05974028" }\n`);
  return { file, dataDir: join(dir, 'data') };
}

// runs the built command, as an operator would
describe('weiche keys rotate', () => {
  it('master: start adds the new wrap (old and new key open), --finish leaves only the new key; the key never prints', async () => {
    const { file, dataDir } = await hubDir();
    const before = await loadMasterKeys(loadConfigFile(file));
    const dataKey = await tenantKeyring(dataDir, before).dataKey('testhausen');

    const started = await weiche('keys', 'rotate', 'master', '--config', file);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/rotation started: 1 tenant key\(s\) rewrapped/);
    const during = await loadMasterKeys(loadConfigFile(file));
    expect(during.current.equals(before.current)).toBe(false);
    expect(during.others.map((k) => k.toString('hex'))).toEqual([before.current.toString('hex')]);
    expect(await tenantKeyring(dataDir, { current: before.current, others: [] }).dataKey('testhausen')).toEqual(dataKey);
    expect(await tenantKeyring(dataDir, { current: during.current, others: [] }).dataKey('testhausen')).toEqual(dataKey);
    expect((await weiche('keys', 'rotate', 'master', '--config', file)).code).not.toBe(0);

    const finished = await weiche('keys', 'rotate', 'master', '--finish', '--config', file);
    expect(finished.code).toBe(0);
    expect((await loadMasterKeys(loadConfigFile(file))).others).toEqual([]);
    expect(await tenantKeyring(dataDir, { current: during.current, others: [] }).dataKey('testhausen')).toEqual(dataKey);
    await expect(tenantKeyring(dataDir, { current: before.current, others: [] }).findDataKey('testhausen')).rejects.toThrow(/does not unwrap/);
    const output = started.stdout + started.stderr + finished.stdout + finished.stderr;
    for (const key of [before.current, during.current]) expect(output).not.toContain(key.toString('base64'));
  });

  it('signing: prepare publishes the next key, --activate makes it the one that signs', async () => {
    const { file, dataDir } = await hubDir();
    const first = await loadSigner(dataDir);
    const prepared = await weiche('keys', 'rotate', 'signing', '--config', file);
    expect(prepared.code).toBe(0);
    const kid = /signing key (\S+) created/.exec(prepared.stdout)?.[1] ?? '';
    expect((await first.publicJwks()).map((k) => k.kid)).toEqual([first.kid, kid]);
    expect((await weiche('keys', 'rotate', 'signing', '--activate', kid, '--config', file)).code).toBe(0);
    const next = await loadSigner(dataDir);
    expect(next.kid).toBe(kid);
    expect((await next.publicJwks()).map((k) => k.kid).sort()).toEqual([first.kid, kid].sort());
    expect((await weiche('keys', 'rotate', 'signing', '--activate', 'no-such-kid', '--config', file)).code).not.toBe(0);
  });

  it('evidence: a new current key, the old one kept', async () => {
    const { file } = await hubDir();
    const config = loadConfigFile(file);
    const first = await loadEvidenceKeys(config, { create: true });
    const rotated = await weiche('keys', 'rotate', 'evidence', '--config', file);
    expect(rotated.code).toBe(0);
    const ring = await loadEvidenceKeys(config, { create: false });
    expect(ring.currentKid).not.toBe(first.currentKid);
    expect(ring.keys.map((k) => k.kid)).toContain(first.currentKid);
    expect(await readFile(join(config.dataDir, 'keys', 'evidence', 'current'), 'utf8')).toBe(`${ring.currentKid}\n`);
  });
});
