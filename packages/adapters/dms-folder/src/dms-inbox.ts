// The DMS drops its answers (xdomea 0402/0403) into an inbox folder. Each file is claimed by an atomic
// rename (so two hub replicas never read the same file twice), handed to the hub once, and filed into
// processed/ or failed/ (with a .reason.txt beside it); nothing is deleted. A file that cannot be read goes
// to failed/ too, so it cannot stop the files after it.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdapterLogger, InboundMessage, InboundVerdict } from '@weiche/adapter-sdk';

export const PROCESSED_DIR = 'processed';
export const FAILED_DIR = 'failed';
const CLAIM_DIR = '.weiche-claim';
/** Larger files are no confirmation: they go to failed/ unread. */
const MAX_BYTES = 10 * 1024 * 1024;
/** Files handled per poll, so one full inbox cannot hold the hub for long. */
const BATCH = 100;
/** A claim older than this belongs to a process that died mid-way; the file goes back into the inbox. */
const STALE_CLAIM_MS = 10 * 60 * 1000;

/**
 * Longest part of the DMS's file name kept in the hub's own names (`<uuid>__name` in the claim folder,
 * `<stamp>_name.reason.txt` in failed/): NAME_MAX is 255 bytes, and a longer name made the claim fail
 * (ENAMETOOLONG) on every poll, so no file sorted after it was ever read.
 */
const NAME_ROOM = 255 - 38;

// Cut by code points, never half a character.
function fitted(name: string): string {
  let out = '';
  let used = 0;
  for (const ch of name) {
    used += Buffer.byteLength(ch);
    if (used > NAME_ROOM) break;
    out += ch;
  }
  return out;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

function isGone(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

async function restoreStaleClaims(inbox: string): Promise<void> {
  const claims = join(inbox, CLAIM_DIR);
  for (const entry of await readdir(claims, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(claims, entry.name);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_CLAIM_MS) {
      await rename(path, join(inbox, entry.name.slice(entry.name.indexOf('__') + 2))).catch(() => undefined);
    }
  }
}

/** One poll of the inbox: who judges each message, and where to say what could not even be read. */
export interface InboxRound {
  readonly handle: (message: InboundMessage) => Promise<InboundVerdict>;
  readonly signal: AbortSignal;
  readonly log: AdapterLogger;
  /** Names the adapter instance in log lines. */
  readonly instanceId: string;
  /** Reads a claimed file (a seam for tests: they run as root, for whom no file is unreadable). */
  readonly read?: (path: string) => Promise<Buffer>;
}

/**
 * Reads a claimed file, or says why it is set aside unread. A read failure is the file's own (permissions,
 * not a plain file any more): putting it back would fail again on every poll and stop the files after it.
 */
async function readClaimed(claimed: string, read: (path: string) => Promise<Buffer>): Promise<Buffer | { unreadReason: string }> {
  try {
    const info = await stat(claimed);
    if (info.size > MAX_BYTES) {
      return { unreadReason: `file has ${info.size} bytes, more than ${MAX_BYTES} (no xdomea confirmation is that large)` };
    }
    return await read(claimed);
  } catch (error) {
    return { unreadReason: `file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}

/** Hands every waiting file of `inbox` to `handle` and files it; a throwing `handle` puts the file back and stops the round. */
export async function collectInbox(inbox: string, round: InboxRound): Promise<number> {
  const { handle, signal, log, instanceId, read = readFile } = round;
  await Promise.all([PROCESSED_DIR, FAILED_DIR, CLAIM_DIR].map((d) => mkdir(join(inbox, d), { recursive: true })));
  await restoreStaleClaims(inbox);
  const waiting = (await readdir(inbox, { withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort()
    .slice(0, BATCH);
  let filed = 0;
  for (const name of waiting) {
    if (signal.aborted) break;
    const kept = fitted(name);
    const claimed = join(inbox, CLAIM_DIR, `${randomUUID()}__${kept}`);
    try {
      await rename(join(inbox, name), claimed);
    } catch (error) {
      if (isGone(error)) continue; // another replica took it
      throw error;
    }
    const target = `${stamp()}_${kept}`;
    const content = await readClaimed(claimed, read);
    let verdict: InboundVerdict;
    if (!Buffer.isBuffer(content)) {
      // the file name may carry personal data: the reason file beside it in failed/ names it, the log does not
      log.warn({ instanceId, reason: content.unreadReason }, 'DMS inbox file set aside unread in failed/');
      verdict = { accepted: false, reason: content.unreadReason };
    } else {
      try {
        verdict = await handle({ name, content });
      } catch (error) {
        // not the file's fault (e.g. the journal is down): back into the inbox for the next poll
        await rename(claimed, join(inbox, kept));
        throw error;
      }
    }
    if (verdict.accepted) {
      await rename(claimed, join(inbox, PROCESSED_DIR, target));
    } else {
      await writeFile(join(inbox, FAILED_DIR, `${target}.reason.txt`), `${verdict.reason}\n`);
      await rename(claimed, join(inbox, FAILED_DIR, target));
    }
    filed += 1;
  }
  return filed;
}
