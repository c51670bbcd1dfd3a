/**
 * Finds Redis and PostgreSQL for the test run: REDIS_URL / DATABASE_URL when set, else the local
 * services on their default ports, else containers started with testcontainers (machines with Docker).
 * Fails with a clear message when none of the three works.
 */
import { connect } from 'node:net';

function reachable(url: URL, defaultPort: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || defaultPort), timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

type Stop = () => Promise<void>;

export default async function setup(): Promise<Stop> {
  const stops: Stop[] = [];
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUp = await reachable(new URL(redisUrl), 6379);
  const pgUp = await reachable(new URL(databaseUrl), 5432);
  if (redisUp) process.env.REDIS_URL = redisUrl;
  if (pgUp) process.env.DATABASE_URL = databaseUrl;
  if (!redisUp || !pgUp) {
    try {
      const { GenericContainer } = await import('testcontainers');
      if (!redisUp) {
        const redis = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
        process.env.REDIS_URL = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
        stops.push(async () => void (await redis.stop()));
      }
      if (!pgUp) {
        const pg = await new GenericContainer('postgres:16-alpine')
          .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
          .withExposedPorts(5432)
          .start();
        process.env.DATABASE_URL = `postgres://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/postgres`;
        stops.push(async () => void (await pg.stop()));
      }
    } catch (error) {
      throw new Error(
        `Tests need Redis and PostgreSQL: set REDIS_URL / DATABASE_URL, start the local services ` +
          `(redis-server; pg_ctlcluster <version> main start), or run Docker for testcontainers. ` +
          `Containers could not be started: ${(error as Error).message}`,
      );
    }
  }
  return async () => {
    for (const stop of stops) await stop();
  };
}
