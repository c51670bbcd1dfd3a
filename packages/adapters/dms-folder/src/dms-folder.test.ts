import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PermanentDeliveryError } from '@weiche/adapter-sdk';
import { bufferPackage as pkg } from '@weiche/adapter-sdk/conformance';
import { dmsFolderAdapter } from './dms-folder.js';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('dms-folder adapter', () => {
  it('writes the package under its name and nothing else visible', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dms-'));
    const adapter = dmsFolderAdapter.create({ instanceId: 'a', config: { path: dir } });
    const content = Buffer.from('zip bytes');
    const receipt = await adapter.deliver(pkg('p1_Abgabe.Abgabe.0401.zip', content), {
      idempotencyKey: 's-1:r1',
      signal: new AbortController().signal,
      log,
    });
    expect(receipt.fileName).toBe('p1_Abgabe.Abgabe.0401.zip');
    expect(await readFile(join(dir, 'p1_Abgabe.Abgabe.0401.zip'))).toEqual(content);
    const visible = (await readdir(dir)).filter((f) => !f.startsWith('.'));
    expect(visible).toEqual(['p1_Abgabe.Abgabe.0401.zip']);
    expect(await readdir(join(dir, '.weiche-tmp'))).toEqual([]);
  });

  it('never delivers twice for the same idempotency key, even under another name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dms-'));
    const adapter = dmsFolderAdapter.create({ instanceId: 'a', config: { path: dir } });
    const options = { idempotencyKey: 's-1:r1', signal: new AbortController().signal, log };
    await adapter.deliver(pkg('first.zip', Buffer.from('one')), options);
    const second = await adapter.deliver(pkg('second.zip', Buffer.from('two')), options);
    expect(second.duplicate).toBe(true);
    expect((await readdir(dir)).filter((f) => !f.startsWith('.'))).toEqual(['first.zip']);
  });

  it('takes a file of the same name and size for the package only when its content is the package', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dms-'));
    const adapter = dmsFolderAdapter.create({ instanceId: 'a', config: { path: dir } });
    await writeFile(join(dir, 'p2.zip'), 'old!');
    const receipt = await adapter.deliver(pkg('p2.zip', Buffer.from('new!')), { idempotencyKey: 's-2:r1', signal: new AbortController().signal, log });
    expect(await readFile(join(dir, 'p2.zip'), 'utf8')).toBe('new!');
    expect(receipt.sha256).toBe(pkg('p2.zip', Buffer.from('new!')).sha256);
    // left by a crash before the receipt: the same bytes are not written again
    await writeFile(join(dir, 'p3.zip'), 'same');
    const before = (await stat(join(dir, 'p3.zip'))).ino;
    await adapter.deliver(pkg('p3.zip', Buffer.from('same')), { idempotencyKey: 's-3:r1', signal: new AbortController().signal, log });
    expect((await stat(join(dir, 'p3.zip'))).ino).toBe(before);
  });

  it('classifies a path that is not a folder as permanent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dms-'));
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'x');
    const adapter = dmsFolderAdapter.create({ instanceId: 'a', config: { path: file } });
    await expect(
      adapter.deliver(pkg('x.zip', Buffer.from('x')), { idempotencyKey: 'k', signal: new AbortController().signal, log }),
    ).rejects.toBeInstanceOf(PermanentDeliveryError);
    expect((await adapter.health()).ok).toBe(false);
  });
});
