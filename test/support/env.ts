import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

export const REDIS_URL = (): string => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = (): string => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The workspace root, found upwards from here (this file runs from test/support and from test/dist/support). */
export const REPO_ROOT = ((): string => {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('workspace root (pnpm-workspace.yaml) not found');
    dir = parent;
  }
  return dir;
})();

/** A fresh suffix for a test's database schema and queue prefix, so test files never see each other. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `weiche-${prefix}-`));
}

/**
 * A port nothing listens on (discard, 9/tcp; no test binds below 1024): connections to it are refused. For endpoints
 * that must stay unreachable — a port from freePort() is free only until another test file running beside takes it.
 */
export const REFUSED_PORT = 9;

export { freePort } from './server-on-port.js';

/** One statement on a connection of its own (opened and closed around it): for tests that look into the journal. */
export async function queryOnce<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: DATABASE_URL() });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await queryOnce(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * Reads `read()` until `done(value)` holds and returns that value. At the deadline it fails naming what it waited for
 * and the last value read (`show`) — "timed out" alone does not say whether nothing happened or something else did.
 * An error of `read` counts as not yet (and is named at the deadline); an error of `done` ends the wait at once.
 */
export async function waitUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; show?: (value: T) => string } = {},
): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 200, show = (value: T) => JSON.stringify(value) } = options;
  const deadline = Date.now() + timeoutMs;
  let seen: { value: T } | undefined;
  let last: unknown;
  for (;;) {
    try {
      seen = { value: await read() };
    } catch (error) {
      last = error;
    }
    if (seen && done(seen.value)) return seen.value;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const lastSeen = seen ? `last seen: ${show(seen.value)}` : 'nothing read';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${lastSeen}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
