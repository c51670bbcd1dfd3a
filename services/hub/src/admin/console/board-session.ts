import { createHash, randomBytes } from 'node:crypto';
import { hubKey, type RedisConnection } from '@weiche/queue';
import type { AdminRole } from '../principal.js';

/** Name of the cookie that admits a browser to Bull Board. */
export const BOARD_COOKIE = 'weiche_board';
/** The only path the cookie is sent to: Bull Board's pages and its JSON API. */
export const BOARD_PATH = '/admin/queues';
/** Lifetime of a board session: short, the console renews it each time the board is opened. */
export const BOARD_SESSION_SECONDS = 15 * 60;

/** Who a board session belongs to: the token's subject and role, never the token itself. */
export interface BoardSession {
  readonly subject: string;
  readonly role: AdminRole;
}

/**
 * Board sessions in Redis, so every gateway instance behind a load balancer knows them. The cookie
 * holds 32 random bytes; Redis keeps only their SHA-256, so a Redis dump admits nobody.
 */
export class BoardSessions {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly ttlSeconds = BOARD_SESSION_SECONDS,
  ) {}

  private key(id: string): string {
    return hubKey(this.prefix, 'console', 'board-session', createHash('sha256').update(id).digest('hex'));
  }

  /** Opens a session and returns the cookie value. */
  async open(session: BoardSession): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.redis.set(this.key(id), JSON.stringify(session), 'EX', this.ttlSeconds);
    return id;
  }

  /** The session of a cookie value, or undefined when unknown or expired. */
  async find(id: string | undefined): Promise<BoardSession | undefined> {
    if (id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const raw = await this.redis.get(this.key(id));
    if (raw === null) return undefined;
    const parsed = JSON.parse(raw) as BoardSession;
    return { subject: parsed.subject, role: parsed.role };
  }

  /** Ends a session (logout); unknown ids are ignored. */
  async close(id: string | undefined): Promise<void> {
    if (id !== undefined && /^[A-Za-z0-9_-]{43}$/.test(id)) await this.redis.del(this.key(id));
  }

  /** Seconds a new session lives. */
  get maxAge(): number {
    return this.ttlSeconds;
  }
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Set-Cookie for a board session: HttpOnly (scripts cannot read it), SameSite=Strict (no cross-site
 * request carries it, which is the CSRF protection of Bull Board's own JSON API), Path limited to the
 * board, Secure whenever the hub is reached over HTTPS.
 */
export function boardCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [`${BOARD_COOKIE}=${value}`, `Path=${BOARD_PATH}`, `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict'];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}
