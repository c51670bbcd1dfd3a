/**
 * Redis over a Unix socket, as `redis.url` (or REDIS_URL) names it: `unix:///run/redis/redis.sock` or
 * `redis+unix:///run/redis/redis.sock`, with `?db=`, `?username=` and `?password=` (percent-encoded) in the query —
 * a URL with an empty host cannot carry user info. ioredis takes a socket only as a path or a `path` option, so the
 * hub's connection, `scripts/check-services.mjs` and the logs read it here.
 */
export interface RedisSocket {
  readonly path: string;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
}

const SOCKET_URL = /^(redis\+)?unix:/i;

/** The socket a Redis URL names, or undefined for a redis:// / rediss:// URL. Throws for a socket URL without a path (or that does not parse). */
export function redisSocket(url: string): RedisSocket | undefined {
  if (!SOCKET_URL.test(url)) return undefined;
  const parsed = new URL(url);
  const path = decodeURIComponent(parsed.pathname);
  if (parsed.hostname !== '' || !path.startsWith('/') || path === '/') throw new TypeError('a Unix socket URL names an absolute path: unix:///run/redis/redis.sock');
  const db = Number(parsed.searchParams.get('db') ?? 0);
  if (!Number.isInteger(db) || db < 0) throw new TypeError('the db of a Unix socket URL is a number: unix:///run/redis/redis.sock?db=0');
  const username = parsed.searchParams.get('username') ?? undefined;
  const password = parsed.searchParams.get('password') ?? undefined;
  return { path, db, ...(username ? { username } : {}), ...(password ? { password } : {}) };
}
