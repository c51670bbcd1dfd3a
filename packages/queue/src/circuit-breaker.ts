import { hubKey } from './names.js';
import type { RedisConnection } from './redis-connection.js';

export interface CircuitPolicy {
  /** Consecutive transient failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long an open circuit waits before one probe may try (half-open). */
  readonly cooldownMs: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export type CircuitGate = { readonly allow: true; readonly probe: boolean } | { readonly allow: false; readonly waitMs: number };

// One Lua script per decision keeps the breaker consistent across dispatcher replicas that share
// Redis (no read-modify-write races between HGETALL and HSET).
const BEFORE = `
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
if state == 'closed' then return {1, 0, 0} end
local now = tonumber(ARGV[1])
local opened = tonumber(redis.call('HGET', KEYS[1], 'openedAt') or '0')
local cooldown = tonumber(ARGV[2])
if state == 'open' and now < opened + cooldown then return {0, opened + cooldown - now, 0} end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then
  redis.call('HSET', KEYS[1], 'state', 'half-open')
  return {1, 0, 1}
end
return {0, math.min(cooldown, 1000), 0}
`;

const FAILURE = `
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
if state == 'half-open' or failures >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'state', 'open', 'openedAt', ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'opened', 1)
  redis.call('DEL', KEYS[2])
  return 1
end
return 0
`;

const SUCCESS = `
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
redis.call('HSET', KEYS[1], 'state', 'closed', 'failures', 0)
redis.call('DEL', KEYS[2])
if state ~= 'closed' then return 1 end
return 0
`;

/**
 * A circuit breaker per adapter instance, kept in Redis so every dispatcher replica sees the same
 * state: it opens after `failureThreshold` consecutive transient failures, lets one probe through
 * after `cooldownMs` (half-open), closes on the probe's success and opens again on its failure.
 */
export class CircuitBreaker {
  private readonly key: string;
  private readonly probeKey: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    readonly instanceId: string,
    private readonly policy: CircuitPolicy,
    private readonly probeTimeoutMs = 60_000,
  ) {
    this.key = hubKey(prefix, 'circuit', instanceId);
    this.probeKey = `${this.key}:probe`;
  }

  /** Whether a delivery may go to the far side now; when not, how long to wait. */
  async before(now = Date.now()): Promise<CircuitGate> {
    const [allow, waitMs, probe] = (await this.redis.eval(BEFORE, 2, this.key, this.probeKey, now, this.policy.cooldownMs, this.probeTimeoutMs)) as [number, number, number];
    return allow === 1 ? { allow: true, probe: probe === 1 } : { allow: false, waitMs: Math.max(1, waitMs) };
  }

  /** A transient failure; returns true when this failure opened the circuit. */
  async onFailure(now = Date.now()): Promise<boolean> {
    return (await this.redis.eval(FAILURE, 2, this.key, this.probeKey, now, this.policy.failureThreshold)) === 1;
  }

  /** A success; returns true when it closed an open or half-open circuit. */
  async onSuccess(): Promise<boolean> {
    return (await this.redis.eval(SUCCESS, 2, this.key, this.probeKey)) === 1;
  }

  async state(): Promise<{ state: CircuitState; failures: number; opened: number }> {
    const hash = await this.redis.hgetall(this.key);
    return { state: (hash.state as CircuitState | undefined) ?? 'closed', failures: Number(hash.failures ?? 0), opened: Number(hash.opened ?? 0) };
  }
}
