import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, TransientDeliveryError, type DeliveryPackage } from '@weiche/adapter-sdk';
import { bufferPackage as pkg, generatedPackage } from '@weiche/adapter-sdk/conformance';
import { PrivateSshd } from '../../../../test/support/sshd.js';
import { sshdBehindCuttingProxy } from '../../../../test/support/sshd-behind-proxy.js';
import { sftpAdapter } from './sftp.js';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const never = (): AbortSignal => new AbortController().signal;
const MiB = 1024 * 1024;
const receiptNameOf = (key: string): string => `${createHash('sha256').update(key).digest('hex')}.json`;

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function adapterFor(sshd: PrivateSshd, overrides: Record<string, unknown> = {}) {
  const config = sftpAdapter.configSchema.parse({ ...sshd.adapterConfig(), ...overrides });
  return sftpAdapter.create({ instanceId: 'sftp-test', config });
}

describe('sftp adapter against a real OpenSSH server', () => {
  const sshd = new PrivateSshd();
  beforeAll(async () => {
    await sshd.start();
  });
  afterAll(async () => {
    await sshd.remove();
  });

  it('uploads the package under its name, via a part file that is gone afterwards', async () => {
    const adapter = adapterFor(sshd);
    const content = Buffer.from('zip bytes of p1');
    const receipt = await adapter.deliver(pkg('p1_Abgabe.Abgabe.0401.zip', content), { idempotencyKey: 's-1:r1', signal: never(), log });
    expect(receipt).toMatchObject({ fileName: 'p1_Abgabe.Abgabe.0401.zip', path: join(sshd.remoteDir, 'p1_Abgabe.Abgabe.0401.zip'), size: content.length });
    expect(await readFile(join(sshd.remoteDir, 'p1_Abgabe.Abgabe.0401.zip'))).toEqual(content);
    const all = await readdir(sshd.remoteDir);
    expect(all.filter((f) => f.endsWith('.part'))).toEqual([]);
    expect(JSON.parse(await readFile(join(sshd.remoteDir, '.weiche-receipts', receiptNameOf('s-1:r1')), 'utf8'))).toMatchObject({ fileName: 'p1_Abgabe.Abgabe.0401.zip' });
  });

  it('delivers once for the same key, even when the package is rebuilt under another name', async () => {
    const adapter = adapterFor(sshd);
    const options = { idempotencyKey: 's-2:r1', signal: never(), log };
    await adapter.deliver(pkg('twice.zip', Buffer.from('one')), options);
    const second = await adapter.deliver(pkg('twice.zip', Buffer.from('one')), options);
    const third = await adapter.deliver(pkg('renamed.zip', Buffer.from('two')), options);
    expect(second.duplicate).toBe(true);
    expect(third).toMatchObject({ duplicate: true, fileName: 'twice.zip' });
    const visible = (await readdir(sshd.remoteDir)).filter((f) => !f.startsWith('.'));
    expect(visible.filter((f) => f === 'twice.zip' || f === 'renamed.zip')).toEqual(['twice.zip']);
  });

  it('takes a file of its name, size and content for its own earlier attempt (answer lost) and only writes the receipt', async () => {
    const adapter = adapterFor(sshd);
    const content = Buffer.from('renamed into place, then the answer was lost');
    const target = join(sshd.remoteDir, 'lost-answer.zip');
    await writeFile(target, content);
    const inode = (await stat(target)).ino;
    const receipt = await adapter.deliver(pkg('lost-answer.zip', content), { idempotencyKey: 's-3:r1', signal: never(), log });
    expect(receipt).toMatchObject({ fileName: 'lost-answer.zip', size: content.length, sha256: pkg('x', content).sha256 });
    expect((await stat(target)).ino).toBe(inode);
    expect(await readFile(target)).toEqual(content);
    expect(await readdir(join(sshd.remoteDir, '.weiche-receipts'))).toContain(receiptNameOf('s-3:r1'));
  });

  for (const [occupant, placed] of [
    ['same size, different content', 'already here'],
    ['different size', 'old'],
  ] as const) {
    it(`leaves a file of the package's name with ${occupant} untouched and fails permanently, naming no file`, async () => {
      const adapter = adapterFor(sshd);
      const name = `taken-${placed.length}.zip`;
      const key = `s-4-${placed.length}:r1`;
      const target = join(sshd.remoteDir, name);
      await writeFile(target, placed);
      const fresh = pkg(name, Buffer.from('fresh bytes!'));
      const error = await rejectionOf(adapter.deliver(fresh, { idempotencyKey: key, signal: never(), log }));
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect((error as Error).message).toContain(`(${occupant})`);
      expect((error as Error).message).not.toContain(name);
      expect(await readFile(target, 'utf8')).toBe(placed);
      expect((await readdir(sshd.remoteDir)).filter((f) => f.endsWith('.part'))).toEqual([]);
      expect(await readdir(join(sshd.remoteDir, '.weiche-receipts'))).not.toContain(receiptNameOf(key));
      // once an operator has moved it away, the redelivery goes through
      await rm(target);
      await adapter.deliver(fresh, { idempotencyKey: key, signal: never(), log });
      expect(await readFile(target, 'utf8')).toBe('fresh bytes!');
    });
  }

  it('refuses, without replacing it, a file placed under the name while the package was uploading', async () => {
    const adapter = adapterFor(sshd);
    const target = join(sshd.remoteDir, 'raced.zip');
    // placed after the adapter found the name free, before its rename: only a rename that refuses an existing target
    // keeps it
    const racing = generatedPackage('raced.zip', 2 * MiB, {
      onChunk: (produced) => produced === MiB && writeFileSync(target, 'placed by the back office'),
    });
    const error = await rejectionOf(adapter.deliver(racing, { idempotencyKey: 's-12:r1', signal: never(), log }));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as Error).message).toContain('(different size)');
    expect(await readFile(target, 'utf8')).toBe('placed by the back office');
    expect((await readdir(sshd.remoteDir)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('counts the package delivered when another attempt of the delivery renamed the same bytes into place meanwhile', async () => {
    const adapter = adapterFor(sshd);
    const target = join(sshd.remoteDir, 'same-bytes.zip');
    const content = Buffer.from('the package, uploaded twice at once');
    const meanwhile: DeliveryPackage = {
      ...pkg('same-bytes.zip', content),
      open: () =>
        Promise.resolve(
          Readable.from(
            (function* () {
              yield content.subarray(0, 10);
              writeFileSync(target, content);
              yield content.subarray(10);
            })(),
          ),
        ),
    };
    const receipt = await adapter.deliver(meanwhile, { idempotencyKey: 's-13:r1', signal: never(), log });
    expect(receipt).toMatchObject({ fileName: 'same-bytes.zip', sha256: meanwhile.sha256 });
    expect(await readFile(target)).toEqual(content);
    expect((await readdir(sshd.remoteDir)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('refuses a server whose host key does not match the pin, permanently, before writing anything', async () => {
    const before = await readdir(sshd.remoteDir, { recursive: true });
    const wrongPin = createHash('sha256').update('some other host key').digest('base64');
    const adapter = adapterFor(sshd, { hostKeySha256: wrongPin });
    const error = await rejectionOf(adapter.deliver(pkg('mitm.zip', Buffer.from('secret')), { idempotencyKey: 's-5:r1', signal: never(), log }));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as Error).message).toMatch(/^host key mismatch: .*presented SHA256:/);
    expect((error as Error).message).toContain(sshd.hostKeySha256.replace(/=+$/, ''));
    expect(await readdir(sshd.remoteDir, { recursive: true })).toEqual(before);
    const health = await adapter.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/host key mismatch/);
  });

  it('accepts the pin as hex and as OpenSSH "SHA256:" text', async () => {
    const raw = Buffer.from(sshd.hostKeySha256, 'base64');
    expect((await adapterFor(sshd, { hostKeySha256: raw.toString('hex') }).health()).ok).toBe(true);
    expect((await adapterFor(sshd, { hostKeySha256: `SHA256:${sshd.hostKeySha256.replace(/=+$/, '')}` }).health()).ok).toBe(true);
  });

  it('classifies a failed login as permanent', async () => {
    const { privateKeyFile: _unused, ...withoutKey } = sshd.adapterConfig();
    const config = sftpAdapter.configSchema.parse({ ...withoutKey, password: 'not-accepted' });
    const adapter = sftpAdapter.create({ instanceId: 'sftp-test', config });
    const error = await rejectionOf(adapter.deliver(pkg('x.zip', Buffer.from('x')), { idempotencyKey: 's-6:r1', signal: never(), log }));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as Error).message).toMatch(/authentication .* failed/);
  });

  it('classifies a missing remoteDir as permanent and reports it unhealthy', async () => {
    const adapter = adapterFor(sshd, { remoteDir: join(sshd.remoteDir, 'no-such-folder') });
    const error = await rejectionOf(adapter.deliver(pkg('x.zip', Buffer.from('x')), { idempotencyKey: 's-7:r1', signal: never(), log }));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(await adapter.health()).toEqual({ ok: false, detail: expect.stringMatching(/does not exist/) as unknown });
  });

  it('reports healthy when it can log in and write to remoteDir', async () => {
    const health = await adapterFor(sshd).health();
    expect(health).toEqual({ ok: true, detail: `${sshd.host}:${sshd.port}${sshd.remoteDir}` });
    expect((await readdir(join(sshd.remoteDir, '.weiche-receipts'))).filter((f) => f.startsWith('.health'))).toEqual([]);
  });

  it('on abort mid-upload rejects as transient and removes its part file', async () => {
    const adapter = adapterFor(sshd);
    const controller = new AbortController();
    const big = generatedPackage('aborted.zip', 16 * 1024 * 1024, { stallAt: 1024 * 1024, onStall: () => controller.abort() });
    const error = await rejectionOf(adapter.deliver(big, { idempotencyKey: 's-8:r1', signal: controller.signal, log }));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    const leftovers = (await readdir(sshd.remoteDir)).filter((f) => f.includes('aborted.zip'));
    expect(leftovers).toEqual([]);
  });
});

describe('sftp adapter when the connection drops mid-upload', () => {
  const { sshd, proxy } = sshdBehindCuttingProxy();

  it('fails transiently, and the retry leaves no part file of the dropped upload behind', async () => {
    const tcp = proxy();
    const adapter = adapterFor(sshd, { port: tcp.port });
    let cut = false;
    const dropAt = (produced: number): void => {
      if (produced < 1024 * 1024 || cut) return;
      cut = true;
      void tcp.cut();
    };
    const dropped = generatedPackage('dropped.zip', 8 * 1024 * 1024, { onChunk: dropAt });
    // no abort signal: the dropped connection alone must end the attempt
    const started = Date.now();
    expect(await rejectionOf(adapter.deliver(dropped, { idempotencyKey: 's-11:r1', signal: never(), log }))).toBeInstanceOf(TransientDeliveryError);
    expect(Date.now() - started).toBeLessThan(10_000);
    await tcp.restore();
    await adapter.deliver(generatedPackage('dropped.zip', 8 * 1024 * 1024), { idempotencyKey: 's-11:r1', signal: never(), log });
    expect((await stat(join(sshd.remoteDir, 'dropped.zip'))).size).toBe(8 * 1024 * 1024);
    expect((await readdir(sshd.remoteDir)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });
});

describe('sftp adapter when the server refuses writes or is down', () => {
  const sshd = new PrivateSshd();
  beforeAll(async () => {
    await sshd.start({ readOnly: true });
  });
  afterAll(async () => {
    await sshd.remove();
  });

  it('classifies permission denied on remoteDir as permanent and reports it unhealthy', async () => {
    const adapter = adapterFor(sshd);
    // the receipts folder exists, so the refusal comes from the upload itself
    await mkdir(join(sshd.remoteDir, '.weiche-receipts'));
    const error = await rejectionOf(adapter.deliver(pkg('ro.zip', Buffer.from('x')), { idempotencyKey: 's-9:r1', signal: never(), log }));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as Error).message).toContain('PERMISSION_DENIED');
    expect(await readdir(sshd.remoteDir)).toEqual(['.weiche-receipts']);
    const health = await adapter.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('PERMISSION_DENIED');
  });

  it('classifies a stopped sshd as transient, unhealthy, and delivers once it is back', async () => {
    const adapter = adapterFor(sshd);
    await sshd.stop();
    const error = await rejectionOf(adapter.deliver(pkg('later.zip', Buffer.from('later')), { idempotencyKey: 's-10:r1', signal: never(), log }));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect((await adapter.health()).ok).toBe(false);
    await sshd.start();
    await adapter.deliver(pkg('later.zip', Buffer.from('later')), { idempotencyKey: 's-10:r1', signal: never(), log });
    expect((await stat(join(sshd.remoteDir, 'later.zip'))).size).toBe(5);
  });
});
