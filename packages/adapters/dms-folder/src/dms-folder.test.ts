import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PermanentDeliveryError } from '@weiche/adapter-sdk';
import { bufferPackage as pkg, generatedPackage } from '@weiche/adapter-sdk/conformance';
import { dmsFolderAdapter } from './dms-folder.js';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const MiB = 1024 * 1024;

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

  it('takes a file of its name, size and content for its own earlier attempt and does not write it again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dms-'));
    const adapter = dmsFolderAdapter.create({ instanceId: 'a', config: { path: dir } });
    // left by a crash before the receipt: the same bytes are not written again
    await writeFile(join(dir, 'p3.zip'), 'same');
    const before = (await stat(join(dir, 'p3.zip'))).ino;
    const receipt = await adapter.deliver(pkg('p3.zip', Buffer.from('same')), { idempotencyKey: 's-3:r1', signal: new AbortController().signal, log });
    expect(receipt.sha256).toBe(pkg('p3.zip', Buffer.from('same')).sha256);
    expect((await stat(join(dir, 'p3.zip'))).ino).toBe(before);
  });

  for (const [occupant, placed] of [
    ['same size, different content', 'old!'],
    ['different size', 'partly consumed'],
  ] as const) {
    it(`leaves a file of the package's name with ${occupant} untouched and fails permanently, naming no file`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'dms-'));
      const adapter = dmsFolderAdapter.create({ instanceId: 'a', config: { path: dir } });
      await writeFile(join(dir, 'p2.zip'), placed);
      const options = { idempotencyKey: 's-2:r1', signal: new AbortController().signal, log };
      const error = await adapter.deliver(pkg('p2.zip', Buffer.from('new!')), options).then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect((error as Error).message).toContain(`(${occupant})`);
      expect((error as Error).message).not.toContain('p2.zip');
      expect(await readFile(join(dir, 'p2.zip'), 'utf8')).toBe(placed);
      expect(await readdir(join(dir, '.weiche-tmp'))).toEqual([]);
      expect(await readdir(join(dir, '.weiche-receipts'))).toEqual([]);
      // once an operator has moved it away, the redelivery goes through
      await rm(join(dir, 'p2.zip'));
      await adapter.deliver(pkg('p2.zip', Buffer.from('new!')), options);
      expect(await readFile(join(dir, 'p2.zip'), 'utf8')).toBe('new!');
    });
  }

  it('refuses, without replacing it, a file placed under the name while the package was written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dms-'));
    const adapter = dmsFolderAdapter.create({ instanceId: 'a', config: { path: dir } });
    const target = join(dir, 'raced.zip');
    // placed after the adapter found the name free, before the package is moved there
    const racing = generatedPackage('raced.zip', 2 * MiB, {
      onChunk: (produced) => produced === MiB && writeFileSync(target, 'placed by the back office'),
    });
    const error = await adapter.deliver(racing, { idempotencyKey: 's-4:r1', signal: new AbortController().signal, log }).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as Error).message).toContain('(different size)');
    expect(await readFile(target, 'utf8')).toBe('placed by the back office');
    expect(await readdir(join(dir, '.weiche-tmp'))).toEqual([]);
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
