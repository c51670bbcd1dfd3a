/** Everything in containers, as the README says (make-secrets.sh writes the secrets the compose file mounts). */
export const DOCKER_HINT = 'deploy/make-secrets.sh && docker compose -f deploy/docker-compose.yml up --build';

/** What to do when Redis cannot be reached, for a hub that runs already (the config file or REDIS_URL says where). */
export const REDIS_START_HINT = `Start it (e.g. \`redis-server --daemonize yes\`), point redis.url in the config file or REDIS_URL at a running one (redis://host:port, or unix:///path/redis.sock for its Unix socket), or run everything with Docker: ${DOCKER_HINT}`;
/** For a Redis that answers but refuses the password (WRONGPASS, NOAUTH). */
export const REDIS_CREDENTIALS_HINT = 'Set the password Redis expects in redis.url of the config file or REDIS_URL (redis://:<password>@host:port, percent-encoded; with Sentinel or Cluster nodes the url still gives it).';

/**
 * What to do about an error that stopped the hub from starting, for the console (undefined: the message
 * says it all). Matched on what the drivers and the hub's own start-up say — not on a bare "connect",
 * which also matches paths such as `schemas/fit-connect/…`.
 */
export function startHint(message: string): string | undefined {
  if (/\bE(CONNREFUSED|CONNRESET|NOTFOUND|TIMEDOUT|HOSTUNREACH|AI_AGAIN)\b|connect (ENOENT|EACCES)|is not usable|Connection is closed/.test(message)) {
    // a config file's database.url / redis.url are what the hub used unless the env overrides them
    return `Are PostgreSQL and Redis running? Start them, set database.url / redis.url in the config file or DATABASE_URL / REDIS_URL (they override the file), or use: ${DOCKER_HINT}`;
  }
  if (/[\\/]schemas[\\/]/.test(message) && /ENOENT|not readable|missing/i.test(message)) {
    return 'The official schemas are not installed: run `node scripts/install-schemas.mjs` (npm start and npm test do it), or set WEICHE_SCHEMA_CACHE';
  }
  return undefined;
}
