import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { runAdapterConformance, type DeliveredItem } from '@weiche/adapter-sdk/conformance';
import { PrivateSshd } from '../../../../test/support/sshd.js';
import { sftpAdapter } from './sftp.js';

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

// The far side is a real sshd: "transient" stops it (connection refused), "permanent" restarts it with a
// read-only SFTP subsystem (every write answered PERMISSION_DENIED; chmod cannot do that for root).
const sshd = new PrivateSshd();
let broken = false;

async function listDelivered(): Promise<DeliveredItem[]> {
  const names = (await readdir(sshd.remoteDir)).filter((name) => !name.startsWith('.'));
  return Promise.all(
    names.map(async (name) => {
      const file = join(sshd.remoteDir, name);
      return { name, size: (await stat(file)).size, sha256: await sha256Of(file) };
    }),
  );
}

runAdapterConformance(sftpAdapter, {
  setup: async () => void (await sshd.start()),
  teardown: () => sshd.remove(),
  config: () => sshd.adapterConfig(),
  countDeliveries: async () => (await readdir(sshd.remoteDir)).filter((name) => !name.startsWith('.')).length,
  listDelivered,
  breakFarSide: async (kind) => {
    broken = true;
    await sshd.stop();
    if (kind === 'permanent') await sshd.start({ readOnly: true });
  },
  restore: async () => {
    if (!broken) return;
    broken = false;
    await sshd.stop();
    await sshd.start();
  },
});
