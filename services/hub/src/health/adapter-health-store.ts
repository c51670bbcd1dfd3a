import { hubKey, type RedisConnection } from '@weiche/queue';

/** Longest error or check text kept: enough to tell what failed, short enough for a table cell. */
const MAX_TEXT = 300;

/** What every replica knows about one adapter instance's health (kept in Redis). */
export interface AdapterHealthRecord {
  /** Last health() call: when, whether it passed, its detail, when it last passed, failed calls in a row. */
  readonly check: { at: Date; ok: boolean; detail: string | null; lastOkAt: Date | null; failureStreak: number } | null;
  /** Delivery attempts, from the journal: last success, last failure with its error, failed attempts in a row. */
  readonly deliveries: { lastSuccessAt: Date | null; lastErrorAt: Date | null; lastError: string | null; failureStreak: number };
}

/** A delivery attempt's outcome as the journal recorded it. */
export interface AttemptOutcome {
  readonly id: number;
  readonly adapterInstance: string;
  readonly outcome: string;
  readonly at: Date;
  readonly error: string | null;
}

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function date(value: string | undefined): Date | null {
  return value === undefined || value === '' ? null : new Date(Number(value));
}

/**
 * Adapter health in Redis hashes (`{prefix}:adapter-health:<instance>`), so every dispatcher replica
 * and the admin role see the same. Texts are adapter error messages, which name files, hosts and
 * codes but no content (the adapter contract keeps personal data out of errors).
 */
export class AdapterHealthStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private key(instanceId: string): string {
    return hubKey(this.prefix, 'adapter-health', instanceId);
  }

  /** Key of the journal id of the last delivery attempt counted into the streaks. */
  get cursorKey(): string {
    return hubKey(this.prefix, 'adapter-health', 'attempt-cursor');
  }

  /** Claims `what` for `ms` (true for one replica only); with a `token`, `release` can end the claim early. */
  async claim(what: string, ms: number, token = '1'): Promise<boolean> {
    return (await this.redis.set(this.lockKey(what), token, 'PX', ms, 'NX')) === 'OK';
  }

  /** Ends a claim if it is still the one made with `token` (not one another replica made after it expired). */
  async release(what: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.lockKey(what), token);
  }

  private lockKey(what: string): string {
    return hubKey(this.prefix, 'adapter-health', 'lock', what);
  }

  async recordCheck(instanceId: string, result: { ok: boolean; detail?: string | undefined }, at = new Date()): Promise<void> {
    const key = this.key(instanceId);
    const multi = this.redis.multi().hset(key, 'checkAt', at.getTime(), 'checkOk', result.ok ? '1' : '0', 'checkDetail', clip(result.detail ?? ''));
    if (result.ok) multi.hset(key, 'checkOkAt', at.getTime(), 'checkFailures', 0);
    else multi.hincrby(key, 'checkFailures', 1);
    await multi.exec();
  }

  /** The last delivery attempt counted into the streaks; undefined before the first count. */
  async cursor(): Promise<number | undefined> {
    const value = await this.redis.get(this.cursorKey);
    return value === null ? undefined : Number(value);
  }

  /** Counts attempts into the streaks and moves the cursor past them, in one MULTI so none is counted twice. */
  async recordAttempts(attempts: readonly AttemptOutcome[], cursor: number): Promise<void> {
    const multi = this.redis.multi();
    for (const a of attempts) {
      const key = this.key(a.adapterInstance);
      if (a.outcome === 'success') multi.hset(key, 'deliveryOkAt', a.at.getTime(), 'deliveryFailures', 0);
      else multi.hset(key, 'deliveryErrorAt', a.at.getTime(), 'deliveryError', clip(a.error ?? a.outcome)).hincrby(key, 'deliveryFailures', 1);
    }
    multi.set(this.cursorKey, cursor);
    await multi.exec();
  }

  async read(instanceId: string): Promise<AdapterHealthRecord> {
    const h = await this.redis.hgetall(this.key(instanceId));
    const checkAt = date(h.checkAt);
    return {
      check: checkAt
        ? { at: checkAt, ok: h.checkOk === '1', detail: h.checkDetail || null, lastOkAt: date(h.checkOkAt), failureStreak: Number(h.checkFailures ?? 0) }
        : null,
      deliveries: {
        lastSuccessAt: date(h.deliveryOkAt),
        lastErrorAt: date(h.deliveryErrorAt),
        lastError: h.deliveryError || null,
        failureStreak: Number(h.deliveryFailures ?? 0),
      },
    };
  }
}
