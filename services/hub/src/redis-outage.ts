import type { Logger } from 'pino';
import type { RedisConnection } from '@weiche/queue';
import { REDIS_CREDENTIALS_HINT, REDIS_START_HINT } from './start-hint.js';
import { tlsErrorCode } from './transport-error.js';

/** How often a continuing outage is told again, at most. */
export const OUTAGE_REPEAT_MS = 60_000;

// what ioredis and BullMQ say when the connection itself fails (not a failed command)
// (a Unix socket that is not there, or not the hub's to open: `connect ENOENT /run/redis/redis.sock`, `connect EACCES …`)
const CONNECTION_ERROR = /\bE(CONNREFUSED|CONNRESET|NOTFOUND|TIMEDOUT|HOSTUNREACH|NETUNREACH|PIPE|AI_AGAIN)\b|Connection is closed|connect (ETIMEDOUT|ENOENT|EACCES)|All sentinels are unreachable|Failed to refresh slots cache|None of startup nodes is available/;

/**
 * Whether an error from a Redis connection or a BullMQ worker means Redis cannot be reached — a failed TLS
 * handshake (rediss:// with a certificate not trusted, expired or for another name) included: ioredis reconnects
 * and reports it every time just the same.
 */
export function isRedisConnectionError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && CONNECTION_ERROR.test(code)) || tlsErrorCode(error) !== undefined || CONNECTION_ERROR.test(error.message);
}

// what Redis answers to AUTH with a wrong or missing password: ioredis then reconnects about three times a second
const CREDENTIALS_REFUSED = /^(WRONGPASS|NOAUTH)\b|^ERR invalid password\b/;

/** Why Redis cannot be used, when an error says so: not reachable, or it refuses the hub's credentials. */
export function redisOutageCause(error: Error): 'unreachable' | 'credentials' | undefined {
  if (isRedisConnectionError(error)) return 'unreachable';
  return CREDENTIALS_REFUSED.test(error.message) ? 'credentials' : undefined;
}

export interface RedisOutageOptions {
  readonly log: Pick<Logger, 'warn' | 'info'>;
  /** Where Redis is, without the password (redactUrl). */
  readonly where: string;
  /** Whether the process's shared connection is connected now. */
  readonly connected: () => boolean;
  readonly repeatMs?: number;
  readonly now?: () => number;
}

/**
 * Tells the operator about a Redis outage in plain words, once: ioredis and every BullMQ worker
 * reconnect on their own (the workers each hold a connection of their own) and report every failed
 * attempt, a line per connection every one or two seconds. Here the first one is a warning with what to
 * do, later ones are counted and told again at most every `repeatMs`, and the shared connection's
 * `ready` ends the outage with one info line. Nothing is dropped meanwhile: commands wait in ioredis's
 * offline queue (`maxRetriesPerRequest: null`), jobs stay in Redis, and the journal is the truth the
 * reconciler re-enqueues from; `/readyz` reports Redis down on its own probe.
 */
export class RedisOutage {
  private since: number | undefined;
  private toldAt = 0;
  private errors = 0;
  private readonly workerToldAt = new Map<string, number>();
  private readonly repeatMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RedisOutageOptions) {
    this.repeatMs = options.repeatMs ?? OUTAGE_REPEAT_MS;
    this.now = options.now ?? Date.now;
  }

  /** Whether an outage is going on (since the first failed attempt, until the shared connection is ready again). */
  get down(): boolean {
    return this.since !== undefined;
  }

  /** An error of the shared connection (its `error` event). */
  connectionError(error: Error): void {
    const cause = redisOutageCause(error);
    if (cause) this.failedAttempt(error, cause);
    else this.options.log.warn({ err: error }, 'redis connection problem');
  }

  /**
   * An error of a BullMQ worker (its `error` event). A worker's reconnects while the shared connection is
   * ready (it came back a moment earlier, or only the worker's own connection fails) are told per queue at
   * most every `repeatMs`, anything else as it comes.
   */
  workerError(queue: string, error: Error): void {
    const cause = redisOutageCause(error);
    if (!cause) {
      this.options.log.warn({ err: error, queue }, 'worker error');
      return;
    }
    if (this.down || !this.options.connected()) {
      this.failedAttempt(error, cause);
      return;
    }
    const last = this.workerToldAt.get(queue);
    if (last !== undefined && this.now() - last < this.repeatMs) return;
    this.workerToldAt.set(queue, this.now());
    this.options.log.warn({ err: error, queue }, 'worker cannot reach Redis (the shared connection can): it reconnects by itself');
  }

  /** The shared connection is ready (its `ready` event): ends an outage. */
  connected(): void {
    if (this.since === undefined) return;
    const downSeconds = Math.round((this.now() - this.since) / 1000);
    this.options.log.info({ redis: this.options.where, downSeconds, failedAttempts: this.errors }, 'Redis is reachable again: queued work continues');
    this.since = undefined;
    this.errors = 0;
    this.workerToldAt.clear();
  }

  private failedAttempt(error: Error, cause: 'unreachable' | 'credentials'): void {
    const now = this.now();
    this.errors += 1;
    if (this.since === undefined) {
      this.since = now;
      this.toldAt = now;
      const what = cause === 'credentials' ? 'refuses the credentials the hub gives' : 'is not reachable';
      const hint = cause === 'credentials' ? REDIS_CREDENTIALS_HINT : REDIS_START_HINT;
      this.options.log.warn(
        { redis: this.options.where, err: error, hint },
        `Redis at ${this.options.where} ${what}: queue workers wait and reconnect by themselves, nothing is lost; /readyz answers 503 until it is back. ${hint}`,
      );
      return;
    }
    if (now - this.toldAt < this.repeatMs) return;
    this.toldAt = now;
    this.options.log.warn({ redis: this.options.where, err: error, downSeconds: Math.round((now - this.since) / 1000), failedAttempts: this.errors }, `Redis at ${this.options.where} is still not reachable`);
  }
}

/** Routes the shared connection's events to a new RedisOutage. */
export function watchRedis(redis: RedisConnection, options: Omit<RedisOutageOptions, 'connected'>): RedisOutage {
  const outage = new RedisOutage({ ...options, connected: () => redis.status === 'ready' });
  redis.on('error', (error: Error) => outage.connectionError(error));
  redis.on('ready', () => outage.connected());
  return outage;
}
