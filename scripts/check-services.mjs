// Fails early, in plain words, when Redis or PostgreSQL cannot be reached — the ones the hub will use:
// the config file WEICHE_CONFIG (or --config) names, REDIS_URL / DATABASE_URL over it, the defaults otherwise.
// Runs after `tsc -b` (npm start, npm test): it reads them with the hub's own resolution from @weiche/config.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';

const loader = new URL('../packages/config/dist/index.js', import.meta.url);
if (!existsSync(loader)) {
  console.error('weiche: check-services needs the built config loader: run `npx tsc -b` first (npm start and npm test do).');
  process.exit(1);
}
const { hostPort, redisSocket, serviceEndpoints, shownHostPort, unbracketed } = await import(loader.href);

const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: false });
const configFile = typeof values.config === 'string' ? values.config : process.env.WEICHE_CONFIG || undefined;
let endpoints;
try {
  endpoints = serviceEndpoints(configFile);
} catch (error) {
  // the hub would stop at the same file: say so here, before the services are blamed
  console.error(`weiche: cannot read where Redis and PostgreSQL are from ${configFile}:\n  ${error.message}`);
  process.exit(1);
}

function reachable({ host, port, path }) {
  return new Promise((resolve) => {
    const socket = connect({ ...(path ? { path } : { host, port: Number(port) }), timeout: 2000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

const shown = ({ host, port, path }) => path ?? shownHostPort({ host, port });

/** Where each service is and which setting said so: a password in a URL is never printed. */
// Sentinel and Cluster nodes come from the config file only (REDIS_URL and redis.url do not name them).
function redisTargets({ url, sentinel, cluster }) {
  if (cluster) {
    return { what: 'Redis Cluster (redis.cluster.nodes)', targets: cluster.nodes.map(hostPort), start: (t) => `redis-server --cluster-enabled yes --port ${t.port}`, setting: `redis.cluster.nodes in ${configFile} at running cluster nodes` };
  }
  if (sentinel) {
    return { what: `Redis Sentinel "${sentinel.name}" (redis.sentinel.nodes)`, targets: sentinel.nodes.map(hostPort), start: () => 'redis-sentinel /etc/redis/sentinel.conf', setting: `redis.sentinel.nodes in ${configFile} at running sentinels` };
  }
  const socket = socketOf(url);
  if (socket) return { what: 'Redis', targets: [{ path: socket.path }], start: (t) => `redis-server --daemonize yes --port 0 --unixsocket ${t.path}`, setting: `${setting('REDIS_URL', 'redis.url')} at a running one` };
  const u = parsedUrl(url, 'REDIS_URL', 'redis.url');
  const target = { host: unbracketed(u.hostname) || '127.0.0.1', port: Number(u.port || 6379) };
  return { what: 'Redis', targets: [target], start: (t) => `redis-server --daemonize yes --port ${t.port}`, setting: `${setting('REDIS_URL', 'redis.url')} at a running one` };
}
// node-postgres, as the journal's pool uses it: host and port as the hub's connection resolves them
const pg = createRequire(new URL('../packages/journal/package.json', import.meta.url))('pg');
function postgresTargets(url) {
  let client;
  try {
    // reads the URL only (and the PG* defaults); connects nowhere. Takes a Unix socket directory in each of
    // node-postgres's spellings: ?host=/run/postgresql, postgres://%2Frun%2Fpostgresql/db, socket:/run/postgresql
    client = new pg.Client({ connectionString: url });
  } catch {
    invalidUrl('DATABASE_URL', 'database.url');
  }
  const { host, port } = client;
  if (host.startsWith('/')) return { what: 'PostgreSQL', targets: [{ path: `${host}/.s.PGSQL.${port}` }] };
  return { what: 'PostgreSQL', targets: [{ host, port }] };
}

/** The setting to change, as the hub reads it: the env variable wins over the config file. */
function setting(variable, key) {
  if (process.env[variable]) return `${variable} (set in the environment; it overrides ${key} of any config file)`;
  if (configFile) return `${key} in ${configFile} (or ${variable}, which overrides it)`;
  return `${variable} (or ${key} in a config file named by WEICHE_CONFIG)`;
}

/**
 * The URL, or exit 1 naming the setting: Node's "Invalid URL" error carries the whole input, and a password with
 * an unescaped `/`, `:` or `#` (the usual reason such a URL does not parse) would be printed with it.
 */
function parsedUrl(url, variable, key) {
  try {
    return new URL(url);
  } catch {
    invalidUrl(variable, key);
  }
}
/** The Unix socket a Redis URL names (unix:///path, redis+unix:///path), or exit 1 saying how to write one. */
function socketOf(url) {
  try {
    return redisSocket(url);
  } catch (error) {
    console.error(`weiche: ${setting('REDIS_URL', 'redis.url')}: ${error.message}`);
    process.exit(1);
  }
}
function invalidUrl(variable, key) {
  console.error(`weiche: ${setting(variable, key)} is not a valid URL (not shown: it may hold a password).`);
  console.error('        Percent-encode special characters in the user name and password (/ as %2F, : as %3A, @ as %40, # as %23).');
  process.exit(1);
}

const checks = [
  redisTargets(endpoints.redis),
  { ...postgresTargets(endpoints.database.url), start: () => 'pg_ctlcluster <version> main start', setting: `${setting('DATABASE_URL', 'database.url')} at a running one` },
];
let failed = false;
for (const { what, targets, start, setting: where } of checks) {
  const answers = await Promise.all(targets.map(reachable));
  // Sentinel and Cluster need one node that answers to find the rest
  if (answers.some(Boolean)) continue;
  failed = true;
  const first = targets[0];
  console.error(`weiche: ${what} is not reachable at ${targets.map(shown).join(', ')}.`);
  console.error(`        Start it (e.g. \`${start(first)}\`), point ${where},`);
  // with the secrets the compose file mounts (make-secrets.sh writes them once); as the README says
  console.error('        or run everything with Docker: deploy/make-secrets.sh && docker compose -f deploy/docker-compose.yml up --build');
}
if (failed) process.exit(1);
