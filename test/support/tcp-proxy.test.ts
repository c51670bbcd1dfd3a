import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { REFUSED_PORT } from './env.js';
import { TcpProxy } from './tcp-proxy.js';

it('restore() on a port taken while the proxy was cut rejects with EADDRINUSE instead of ending the worker', async () => {
  const proxy = await new TcpProxy('127.0.0.1', REFUSED_PORT).start();
  await proxy.cut();
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(proxy.port, '127.0.0.1', resolve));
  try {
    await expect(proxy.restore()).rejects.toMatchObject({ code: 'EADDRINUSE' });
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
});
