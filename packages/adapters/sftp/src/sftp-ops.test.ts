import { describe, expect, it } from 'vitest';
import { TransientDeliveryError } from '@weiche/adapter-sdk';
import { sshdBehindCuttingProxy } from '../../../../test/support/sshd-behind-proxy.js';
import { SftpConfig } from './config.js';
import { openSftp, type SftpSession } from './session.js';
import { ensureDir, readTextOrUndefined, renameNoReplace, sha256Of, statOrUndefined, unlink, writeText } from './sftp-ops.js';

/** What a request ended with, or 'still pending' when it neither answered nor failed within `ms`. */
async function outcomeWithin(request: Promise<unknown>, ms: number): Promise<unknown> {
  const timer = new Promise((resolve) => setTimeout(() => resolve('still pending'), ms).unref());
  return Promise.race([request.then(() => 'answered', (error: unknown) => error), timer]);
}

describe('sftp requests on a connection that dropped', () => {
  const { sshd, proxy } = sshdBehindCuttingProxy();

  it('fail as transient at once instead of waiting for an answer that never comes', async () => {
    const tcp = proxy();
    const session: SftpSession = await openSftp(SftpConfig.parse({ ...sshd.adapterConfig(), port: tcp.port }));
    try {
      expect(await statOrUndefined(session, sshd.remoteDir)).toBeDefined();
      // the drop happens between two requests, as when a health check or delivery is mid-way
      await tcp.cut();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const dir = sshd.remoteDir;
      const requests = {
        stat: statOrUndefined(session, `${dir}/x`),
        mkdir: ensureDir(session, `${dir}/sub`),
        read: readTextOrUndefined(session, `${dir}/x`),
        write: writeText(session, `${dir}/x`, 'x'),
        rename: renameNoReplace(session, `${dir}/x`, `${dir}/y`),
        hash: sha256Of(session, `${dir}/x`, new AbortController().signal),
        unlink: unlink(session, `${dir}/x`),
      };
      for (const [name, request] of Object.entries(requests)) {
        const outcome = await outcomeWithin(request, 2_000);
        expect(outcome, name).toBeInstanceOf(TransientDeliveryError);
        expect((outcome as Error).message, name).toMatch(/closed/);
      }
    } finally {
      session.destroy();
      await tcp.restore();
    }
  });
});
