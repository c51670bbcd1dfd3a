import { Cluster, Redis } from 'ioredis';
import { hostPort, redisSocket } from '@weiche/config';
import { ErrorCode, WeicheError } from '@weiche/core';

/** A connection to a single Redis (also behind Sentinel) or to a Redis Cluster; BullMQ and the breaker take either. */
export type RedisConnection = Redis | Cluster;

/** Where Redis is: a URL, a Sentinel group, or Cluster seed nodes (`host:port`). */
export interface RedisEndpoint {
  readonly url: string;
  /** Redis Sentinel: the master group's name and the sentinels; the URL's password and db still apply. */
  readonly sentinel?: { readonly name: string; readonly nodes: readonly string[] } | undefined;
  /** Redis Cluster: seed nodes; the URL's password applies to every node. */
  readonly cluster?: { readonly nodes: readonly string[] } | undefined;
}

// Node's "Invalid URL" error carries the whole input (`input`), which a logged error would print with the password.
function parsedUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, 'redis.url (REDIS_URL) is not a valid URL (not shown: it may hold a password); percent-encode special characters of the user name and password', { retryable: false });
  }
}

function socketOf(url: string): ReturnType<typeof redisSocket> {
  try {
    return redisSocket(url);
  } catch (error) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `redis.url (REDIS_URL): ${(error as Error).message}`, { retryable: false });
  }
}

/**
 * Opens the hub's Redis connection. `maxRetriesPerRequest: null` as BullMQ's workers require: commands
 * wait for Redis to come back instead of failing (readiness checks bound that wait themselves).
 */
export function createRedisConnection(endpoint: RedisEndpoint): RedisConnection {
  const url = parsedUrl(endpoint.url);
  if (!endpoint.cluster && !endpoint.sentinel) {
    // unix:///run/redis/redis.sock?db=…&password=…: ioredis takes the socket as a `path` only
    const socket = socketOf(endpoint.url);
    if (socket) return new Redis({ ...socket, maxRetriesPerRequest: null });
  }
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const auth = { ...(password ? { password } : {}), ...(username ? { username } : {}) };
  if (endpoint.cluster) {
    return new Cluster(endpoint.cluster.nodes.map(hostPort), { redisOptions: { ...auth, maxRetriesPerRequest: null } });
  }
  if (endpoint.sentinel) {
    const db = Number(url.pathname.slice(1) || 0);
    return new Redis({ sentinels: endpoint.sentinel.nodes.map(hostPort), name: endpoint.sentinel.name, db, ...auth, maxRetriesPerRequest: null });
  }
  return new Redis(endpoint.url, { maxRetriesPerRequest: null });
}
