import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WriteOnceFiles } from './write-once-files.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weiche-once-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('WriteOnceFiles', () => {
  it('writes a name once, never replaces it, and lists names in order', async () => {
    const files = new WriteOnceFiles({ dir: join(root, 'audit-checkpoints') });
    expect(await files.list()).toEqual([]);
    expect(await files.get('000000000001.json')).toBeUndefined();
    expect(await files.put('000000000002.json', 'two')).toBe(true);
    expect(await files.put('000000000001.json', 'one')).toBe(true);
    expect(await files.put('000000000001.json', 'forged')).toBe(false);
    expect(await files.get('000000000001.json')).toBe('one');
    expect(await files.list()).toEqual(['000000000001.json', '000000000002.json']);
    // read-only, and no temp file left behind
    expect((await stat(join(files.dir, '000000000001.json'))).mode & 0o222).toBe(0);
    expect(await readdir(files.dir)).toHaveLength(2);
  });

  it('keeps the files of a sub-folder apart, created with its first write', async () => {
    const files = new WriteOnceFiles({ dir: join(root, 'audit-checkpoints') });
    const markers = files.folder('chains').folder('ab');
    expect(await markers.list()).toEqual([]);
    expect(await markers.put('000000000001', 'm')).toBe(true);
    expect(await markers.put('000000000001', 'forged')).toBe(false);
    expect(await markers.list()).toEqual(['000000000001']);
    expect(await files.list()).toEqual(['chains']);
    expect(() => files.folder('../up')).toThrow(/invalid/);
  });

  it('refuses names that could leave its folder', async () => {
    const files = new WriteOnceFiles({ dir: root });
    await expect(files.put('../escape', 'x')).rejects.toThrow(/invalid/);
    await expect(files.get('a/b')).rejects.toThrow(/invalid/);
  });
});
