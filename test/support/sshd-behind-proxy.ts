import { afterAll, beforeAll } from 'vitest';
import { PrivateSshd } from './sshd.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * A real sshd reached through a TCP proxy the test can cut (a connection dropping mid-way), started before the
 * enclosing describe's tests and removed after them. `proxy()` is the running proxy.
 */
export function sshdBehindCuttingProxy(): { sshd: PrivateSshd; proxy: () => TcpProxy } {
  const sshd = new PrivateSshd();
  let proxy: TcpProxy | undefined;
  beforeAll(async () => {
    await sshd.start();
    proxy = await new TcpProxy('127.0.0.1', sshd.adapterConfig().port).start();
  });
  afterAll(async () => {
    await proxy?.cut();
    await sshd.remove();
  });
  return { sshd, proxy: () => proxy! };
}
