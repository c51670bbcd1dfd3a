import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedThreadCount, workerFileBeside } from './worker-file.js';

let pkg: string;
beforeAll(async () => {
  pkg = await mkdtemp(join(tmpdir(), 'weiche-worker-file-'));
  await mkdir(join(pkg, 'src', 'pool'), { recursive: true });
  await mkdir(join(pkg, 'dist', 'pool'), { recursive: true });
  await writeFile(join(pkg, 'dist', 'pool', 'the-worker.js'), '');
});
afterAll(() => rm(pkg, { recursive: true, force: true }));

describe('workerFileBeside', () => {
  it('takes the compiled twin in dist/ for a module run from src/*.ts (vitest), the file beside it when compiled', () => {
    const expected = pathToFileURL(join(pkg, 'dist', 'pool', 'the-worker.js')).href;
    expect(workerFileBeside(pathToFileURL(join(pkg, 'src', 'pool', 'pool.ts')).href, 'the-worker')).toBe(expected);
    expect(workerFileBeside(pathToFileURL(join(pkg, 'dist', 'pool', 'pool.js')).href, 'the-worker')).toBe(expected);
  });

  it('says at once that the workspace needs building when the worker file is missing', () => {
    expect(() => workerFileBeside(pathToFileURL(join(pkg, 'src', 'pool', 'pool.ts')).href, 'other-worker')).toThrow(/other-worker\.js is missing: build the workspace first/);
  });
});

describe('checkedThreadCount', () => {
  it('takes integers from 0 up and refuses the rest, naming the pool', () => {
    expect(checkedThreadCount(0, 'XML pool')).toBe(0);
    expect(checkedThreadCount(2, 'XML pool')).toBe(2);
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => checkedThreadCount(bad, 'crypto pool')).toThrow(/crypto pool threads must be an integer ≥ 0/);
  });
});
