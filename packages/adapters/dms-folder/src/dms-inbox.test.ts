import { mkdtemp, readdir, readFile, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasConfirmationInbox, type InboundMessage } from '@weiche/adapter-sdk';
import { dmsFolderAdapter } from './dms-folder.js';
import { collectInbox } from './dms-inbox.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function inboxAdapter() {
  const dir = await mkdtemp(join(tmpdir(), 'dms-inbox-'));
  const inbox = join(dir, 'inbox');
  await mkdir(inbox);
  const adapter = dmsFolderAdapter.create({ instanceId: 'dms', config: { path: join(dir, 'out'), inboxPath: inbox, inboxPollMs: 200 } });
  if (!hasConfirmationInbox(adapter)) throw new Error('no inbox capability');
  return { inbox, adapter };
}

describe('dms-folder confirmation inbox', () => {
  it('has the capability only with inboxPath', () => {
    expect(hasConfirmationInbox(dmsFolderAdapter.create({ instanceId: 'a', config: { path: '/tmp/x' } }))).toBe(false);
  });

  it('hands each file over once and files it into processed/ or failed/ with the reason, deleting nothing', async () => {
    const { inbox, adapter } = await inboxAdapter();
    await writeFile(join(inbox, 'a_0402.xml'), 'gut');
    await writeFile(join(inbox, 'b_0402.xml'), 'schlecht');
    await writeFile(join(inbox, '.hidden'), 'not for us');
    const seen: InboundMessage[] = [];
    const filed = await adapter.collectInbound(async (m) => {
      seen.push(m);
      return m.content.toString() === 'gut' ? { accepted: true } : { accepted: false, reason: 'ProzessID unbekannt' };
    }, new AbortController().signal, quiet);
    expect(filed).toBe(2);
    expect(seen.map((m) => m.name)).toEqual(['a_0402.xml', 'b_0402.xml']);
    expect((await readdir(inbox)).sort()).toEqual(['.hidden', '.weiche-claim', 'failed', 'processed']);
    const processed = await readdir(join(inbox, 'processed'));
    expect(processed).toHaveLength(1);
    expect(processed[0]).toMatch(/_a_0402\.xml$/);
    expect(await readFile(join(inbox, 'processed', processed[0]!), 'utf8')).toBe('gut');
    const failed = (await readdir(join(inbox, 'failed'))).sort();
    expect(failed).toHaveLength(2);
    expect(await readFile(join(inbox, 'failed', failed.find((f) => f.endsWith('.reason.txt'))!), 'utf8')).toBe('ProzessID unbekannt\n');
    expect(await adapter.collectInbound(() => Promise.reject(new Error('never called')), new AbortController().signal, quiet)).toBe(0);
  });

  it('reads a file whose name leaves no room for the hub\'s prefixes, and the files after it', async () => {
    const { inbox, adapter } = await inboxAdapter();
    const long = `a_${'ä'.repeat(120)}_0402.xml`; // 253 bytes: fits the folder, not "<uuid>__" + name
    await writeFile(join(inbox, long), 'lang');
    await writeFile(join(inbox, 'b_0402.xml'), 'kurz');
    const seen: string[] = [];
    const filed = await adapter.collectInbound(async (m) => {
      seen.push(m.name);
      return { accepted: false, reason: 'ProzessID unbekannt' };
    }, new AbortController().signal, quiet);
    expect(filed).toBe(2);
    expect(seen).toEqual([long, 'b_0402.xml']);
    const failed = await readdir(join(inbox, 'failed'));
    expect(failed).toHaveLength(4);
    for (const f of failed) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(255);
    expect((await readdir(inbox)).sort()).toEqual(['.weiche-claim', 'failed', 'processed']);
  });

  it('puts a file back when the hub cannot handle it now, and restores claims of a process that died', async () => {
    const { inbox, adapter } = await inboxAdapter();
    await writeFile(join(inbox, 'c_0402.xml'), 'x');
    await expect(adapter.collectInbound(() => Promise.reject(new Error('journal down')), new AbortController().signal, quiet)).rejects.toThrow('journal down');
    expect(await readdir(inbox)).toContain('c_0402.xml');

    const stale = join(inbox, '.weiche-claim', '00000000-0000-4000-8000-000000000001__d_0402.xml');
    await writeFile(stale, 'y');
    const old = new Date(Date.now() - 3600_000);
    await utimes(stale, old, old);
    const names: string[] = [];
    await adapter.collectInbound(async (m) => {
      names.push(m.name);
      return { accepted: true };
    }, new AbortController().signal, quiet);
    expect(names).toEqual(['c_0402.xml', 'd_0402.xml']);
    expect(await readdir(join(inbox, '.weiche-claim'))).toEqual([]);
  });

  it('sets a file it cannot read aside in failed/ with the reason and goes on with the others, logging no file name', async () => {
    const { inbox } = await inboxAdapter();
    await writeFile(join(inbox, 'a_Mustermann_0402.xml'), 'unlesbar');
    await writeFile(join(inbox, 'b_0402.xml'), 'gut');
    // as root no file is denied: the reader fails the way readFile does on a file the hub may not read
    const read = async (path: string): Promise<Buffer> => {
      if (path.endsWith('a_Mustermann_0402.xml')) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
      return readFile(path);
    };
    const warnings: unknown[] = [];
    const log = { ...quiet, warn: (obj: object, msg?: string) => warnings.push({ obj, msg }) };
    const seen: string[] = [];
    const handle = async (m: InboundMessage) => {
      seen.push(m.name);
      return { accepted: true } as const;
    };
    const round = { handle, signal: new AbortController().signal, log, instanceId: 'dms', read };
    expect(await collectInbox(inbox, round)).toBe(2);
    expect(seen).toEqual(['b_0402.xml']);
    const failed = (await readdir(join(inbox, 'failed'))).sort();
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatch(/_a_Mustermann_0402\.xml$/);
    expect(await readFile(join(inbox, 'failed', failed[0]!), 'utf8')).toBe('unlesbar');
    expect(await readFile(join(inbox, 'failed', failed[1]!), 'utf8')).toBe('file cannot be read (EACCES)\n');
    expect(await readdir(join(inbox, 'processed'))).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).not.toContain('Mustermann');
    // the next poll finds nothing left to trip over
    expect(await collectInbox(inbox, round)).toBe(0);
  });
});
