import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAdapterConformance, type DeliveredItem } from '@weiche/adapter-sdk/conformance';
import { dmsFolderAdapter } from './dms-folder.js';

// The configured path is a symlink, as a mounted share would be: pointing it nowhere is an unmounted
// share (ENOENT, transient); pointing it at a plain file is a misconfiguration (ENOTDIR, permanent).
// Permission bits cannot be used: the tests may run as root.
let root = '';
const link = (): string => join(root, 'dms-import');
const real = (): string => join(root, 'share');

async function pointLinkAt(target: string): Promise<void> {
  await rm(link(), { force: true });
  await symlink(target, link());
}

runAdapterConformance(dmsFolderAdapter, {
  setup: async () => {
    root = await mkdtemp(join(tmpdir(), 'dms-conformance-'));
    await mkdir(real());
    await writeFile(join(root, 'plain-file'), 'not a folder');
    await pointLinkAt(real());
  },
  teardown: () => rm(root, { recursive: true, force: true }),
  config: () => ({ path: link() }),
  countDeliveries: async () => (await readdir(real())).filter((f) => !f.startsWith('.')).length,
  listDelivered: async () => {
    const items: DeliveredItem[] = [];
    for (const name of (await readdir(real())).filter((f) => !f.startsWith('.'))) {
      const { size } = await stat(join(real(), name));
      // hashing the 200 MiB file on every listing would dominate the run; small files are checked byte for byte
      const sha256 = size <= 16 * 1024 * 1024 ? createHash('sha256').update(await readFile(join(real(), name))).digest('hex') : undefined;
      items.push(sha256 === undefined ? { name, size } : { name, size, sha256 });
    }
    return items;
  },
  breakFarSide: (kind) => pointLinkAt(kind === 'transient' ? join(root, 'unmounted', 'share') : join(root, 'plain-file')),
  restore: () => pointLinkAt(real()),
});
