import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProblem, registerProblemHandler } from '../../gateway/problems.js';
import { ErrorCode } from '@weiche/core';
import type { Principal } from '../principal.js';
import { boardPlugin, mayOpenBoard } from './board-plugin.js';
import { BOARD_COOKIE, BOARD_PATH, boardCookie, BoardSessions, readCookie } from './board-session.js';
import { loadStaticAssets, staticDir } from './static-assets.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `wt_console_${randomBytes(4).toString('hex')}`;
const PRINCIPALS: Record<string, Principal> = {
  'op-token': { subject: 'olga', role: 'operator', tenants: 'all' },
  'aud-token': { subject: 'udo', role: 'auditor', tenants: 'all' },
  'ta-token': { subject: 'anna', role: 'tenant-admin', tenants: new Set(['a']) },
};

describe('static assets', () => {
  it('serves the console files with their content types and skips anything not plainly named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weiche-console-'));
    await Promise.all([
      writeFile(join(dir, 'index.html'), '<!DOCTYPE html>'),
      writeFile(join(dir, 'app.js'), 'export {}'),
      writeFile(join(dir, '.hidden.js'), 'x'),
      writeFile(join(dir, 'notes.md'), 'x'),
      writeFile(join(dir, 'Evil.JS'), 'x'),
    ]);
    const assets = loadStaticAssets(dir);
    expect([...assets.keys()]).toEqual(['app.js', 'index.html']);
    expect(assets.get('app.js')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(assets.get('index.html')?.body.toString()).toBe('<!DOCTYPE html>');
  });

  it('ships a console that loads nothing from other hosts and nothing inline', () => {
    const assets = loadStaticAssets(staticDir());
    for (const name of ['index.html', 'app.js', 'api.js', 'i18n.js', 'console.css', 'dashboard.js', 'timeline.js', 'submissions.js']) expect(assets.has(name), name).toBe(true);
    for (const [name, asset] of assets) {
      const text = asset.body.toString();
      // the only absolute URL allowed is the SVG namespace
      expect(text.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, ''), name).not.toMatch(/https?:\/\//);
      expect(text, name).not.toMatch(/\bstyle=|innerHTML|eval\(/);
    }
    expect(assets.get('index.html')?.body.toString()).not.toMatch(/<script>|<style>/);
  });
});

describe('board session cookie', () => {
  it('is HttpOnly, SameSite=Strict, scoped to the board, and Secure over HTTPS', () => {
    expect(boardCookie('v', 900, false)).toBe(`${BOARD_COOKIE}=v; Path=/admin/queues; Max-Age=900; HttpOnly; SameSite=Strict`);
    expect(boardCookie('v', 900, true)).toMatch(/; Secure$/);
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(readCookie('a=1; weiche_board=xyz; b=2', BOARD_COOKIE)).toBe('xyz');
    expect(readCookie('weiche_boardx=1', BOARD_COOKIE)).toBeUndefined();
    expect(readCookie(undefined, BOARD_COOKIE)).toBeUndefined();
  });

  it('admits operators and unscoped auditors only', () => {
    expect(mayOpenBoard({ role: 'operator', tenants: 'all' })).toBe(true);
    expect(mayOpenBoard({ role: 'auditor', tenants: 'all' })).toBe(true);
    expect(mayOpenBoard({ role: 'auditor', tenants: new Set(['a']) })).toBe(false);
    expect(mayOpenBoard({ role: 'tenant-admin', tenants: new Set(['a']) })).toBe(false);
  });
});

describe('Bull Board behind board sessions (real Redis)', () => {
  let redis: Redis;
  let queue: Queue;
  let app: FastifyInstance;
  let sessions: BoardSessions;
  const logged: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue('process', { connection: { url: REDIS_URL }, prefix: `${prefix}:bull` });
    sessions = new BoardSessions(redis, prefix, 60);
    app = Fastify();
    registerProblemHandler(app);
    const authenticate = async (header: string | undefined): Promise<Principal> => {
      const principal = PRINCIPALS[(header ?? '').replace(/^Bearer /, '')];
      if (!principal) throw httpProblem(401, ErrorCode.UNAUTHORIZED, 'unknown token');
      return principal;
    };
    await app.register(boardPlugin({ queues: [queue], sessions, authenticate, log: { info: (obj) => void logged.push(obj as Record<string, unknown>) } }), { prefix: BOARD_PATH });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await queue.obliterate({ force: true });
    await queue.close();
    const keys = [...(await redis.keys(`${prefix}:*`)), ...(await redis.keys(`{${prefix}}:*`))];
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  async function login(token: string): Promise<{ status: number; cookie: string; setCookie: string }> {
    const res = await app.inject({ method: 'POST', url: `${BOARD_PATH}/session`, headers: { authorization: `Bearer ${token}` } });
    const setCookie = String(res.headers['set-cookie'] ?? '');
    return { status: res.statusCode, cookie: setCookie.split(';')[0] ?? '', setCookie };
  }

  it('exchanges an operator token for a cookie whose value Redis keeps only as a hash', async () => {
    const { status, cookie, setCookie } = await login('op-token');
    expect(status).toBe(200);
    expect(setCookie).toMatch(/HttpOnly; SameSite=Strict/);
    const value = cookie.split('=')[1] ?? '';
    expect(await sessions.find(value)).toEqual({ subject: 'olga', role: 'operator' });
    const keys = await redis.keys(`{${prefix}}:console:board-session:*`);
    expect(keys.some((k) => k.includes(value))).toBe(false);
    expect(await redis.ttl(keys[0] ?? '')).toBeLessThanOrEqual(60);

    const page = await app.inject({ method: 'GET', url: `${BOARD_PATH}/`, headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'self'/);
    expect(page.body).toContain('<base href="/admin/queues/"');
    expect(page.body).not.toMatch(/fonts\.googleapis|https?:\/\//);
    const api = await app.inject({ method: 'GET', url: `${BOARD_PATH}/api/queues`, headers: { cookie } });
    expect(api.json<{ queues: Array<{ name: string }> }>().queues.map((q) => q.name)).toEqual(['process']);
  });

  it('refuses tenant-admins, unknown tokens and requests without a live session', async () => {
    expect((await login('ta-token')).status).toBe(403);
    expect((await login('nope')).status).toBe(401);
    const anonymous = await app.inject({ method: 'GET', url: `${BOARD_PATH}/` });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).toContain('href="/admin/"');
    const forged = await app.inject({ method: 'GET', url: `${BOARD_PATH}/api/queues`, headers: { cookie: `${BOARD_COOKIE}=${'a'.repeat(43)}` } });
    expect(forged.statusCode).toBe(401);
  });

  it('keeps the board read-only for operators too: its retry/clean/pause would bypass the journal', async () => {
    const { cookie } = await login('op-token');
    expect((await app.inject({ method: 'GET', url: `${BOARD_PATH}/api/queues`, headers: { cookie } })).statusCode).toBe(200);
    for (const url of [`${BOARD_PATH}/api/queues/process/pause`, `${BOARD_PATH}/api/queues/process/retry/failed`, `${BOARD_PATH}/api/queues/process/clean/completed`]) {
      const res = await app.inject({ method: 'PUT', url, headers: { cookie } });
      expect(res.statusCode, url).toBe(403);
      expect(res.json()).toMatchObject({ detail: expect.stringMatching(/read-only/) as unknown });
    }
    expect(await queue.isPaused()).toBe(false);
    expect(logged.at(-1)).toMatchObject({ actor: 'olga', method: 'PUT' });
    // the refusal's log line names the path, not the query string (a client's input)
    expect((await app.inject({ method: 'PUT', url: `${BOARD_PATH}/api/queues/process/pause?note=Erika-Mustermann`, headers: { cookie } })).statusCode).toBe(403);
    expect(logged.at(-1)).toMatchObject({ url: `${BOARD_PATH}/api/queues/process/pause` });
    const queues = (await app.inject({ method: 'GET', url: `${BOARD_PATH}/api/queues`, headers: { cookie } })).json() as { queues: Array<{ readOnlyMode: boolean }> };
    expect(queues.queues.map((q) => q.readOnlyMode)).toEqual([true]);
  });

  it('keeps auditors read-only and ends sessions on logout', async () => {
    const { cookie } = await login('aud-token');
    expect((await app.inject({ method: 'GET', url: `${BOARD_PATH}/api/queues`, headers: { cookie } })).statusCode).toBe(200);
    const pause = await app.inject({ method: 'PUT', url: `${BOARD_PATH}/api/queues/process/pause`, headers: { cookie } });
    expect(pause.statusCode).toBe(403);
    expect(await queue.isPaused()).toBe(false);

    const out = await app.inject({ method: 'DELETE', url: `${BOARD_PATH}/session`, headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await app.inject({ method: 'GET', url: `${BOARD_PATH}/api/queues`, headers: { cookie } })).statusCode).toBe(401);
  });
});
