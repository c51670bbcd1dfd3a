/**
 * A `host:port` of the config (`redis.sentinel.nodes`, `redis.cluster.nodes`; an IPv6 literal in brackets,
 * `[::1]:26379`) read by Node's URL parser, as a redis URL's host is: the host without brackets, as `net.connect`
 * and ioredis take it. One reading for the hub's connection and `scripts/check-services.mjs`.
 */
export function hostPort(node: string): { host: string; port: number } {
  const url = new URL(`redis://${node}`);
  return { host: unbracketed(url.hostname), port: Number(url.port) };
}

/** A URL's host as `net.connect` takes it: `[::1]` → `::1`. */
export const unbracketed = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, '$1');

/** How a host and port are written for a reader: an IPv6 literal in brackets, `[::1]:6379`. */
export const shownHostPort = ({ host, port }: { host: string; port: number | string }): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;
