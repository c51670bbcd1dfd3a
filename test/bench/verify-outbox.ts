/** Checks that the DMS outbox holds exactly one intact ZIP per submission: none missing, none extra. */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sha512 } from '../support/fit-connect-sender.js';
import { readZip } from '../support/zip.js';

export interface OutboxVerdict {
  readonly ok: boolean;
  readonly zipFiles: number;
  readonly expected: number;
  readonly problems: readonly string[];
}

/**
 * `packages` maps submission id → package file name (from the journal); `contents` maps submission id →
 * the SHA-512 of every file the sender sent, each of which must be an entry of that submission's ZIP.
 */
export async function verifyOutbox(outbox: string, packages: ReadonlyMap<string, string>, contents: ReadonlyMap<string, readonly string[]>): Promise<OutboxVerdict> {
  const problems: string[] = [];
  const zips = (await readdir(outbox)).filter((f) => f.endsWith('.zip'));
  const present = new Set(zips);
  const claimed = new Map<string, string>();
  for (const [submissionId] of contents) {
    const name = packages.get(submissionId);
    if (!name) {
      problems.push(`${submissionId}: no package recorded`);
      continue;
    }
    const file = basename(name);
    const other = claimed.get(file);
    if (other) problems.push(`${submissionId}: package ${file} also claimed by ${other}`);
    claimed.set(file, submissionId);
    if (!present.has(file)) {
      problems.push(`${submissionId}: ${file} missing from the outbox`);
      continue;
    }
    const read = await readZip(join(outbox, file)).catch((error: unknown) => error as Error);
    if (read instanceof Error) {
      problems.push(`${submissionId}: ${file} is not a readable ZIP (${read.message})`);
      continue;
    }
    const entries = new Set(read.map((e) => sha512(e.content)));
    const lost = (contents.get(submissionId) ?? []).filter((hash) => !entries.has(hash));
    if (lost.length > 0) problems.push(`${submissionId}: ${lost.length} sent file(s) not in ${file}`);
  }
  for (const file of zips) if (!claimed.has(file)) problems.push(`unexpected ZIP in outbox: ${file}`);
  return { ok: problems.length === 0 && zips.length === contents.size, zipFiles: zips.length, expected: contents.size, problems };
}
