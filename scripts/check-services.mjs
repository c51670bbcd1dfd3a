// Fails early, in plain words, when Redis or PostgreSQL cannot be reached.
import { connect } from 'node:net';

const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const databaseUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port), timeout: 2000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

const checks = [
  ['Redis', redisUrl.hostname, redisUrl.port || 6379, 'redis-server --daemonize yes --port 6379'],
  ['PostgreSQL', databaseUrl.hostname, databaseUrl.port || 5432, 'pg_ctlcluster <version> main start'],
];
let failed = false;
for (const [name, host, port, hint] of checks) {
  if (!(await reachable(host, port))) {
    failed = true;
    console.error(`weiche: ${name} is not reachable at ${host}:${port}.`);
    console.error(`        Start it (e.g. \`${hint}\`), point ${name === 'Redis' ? 'REDIS_URL' : 'DATABASE_URL'} at a running one,`);
    // with the secrets the compose file mounts (make-secrets.sh writes them once); as the README says
    console.error('        or run everything with Docker: deploy/make-secrets.sh && docker compose -f deploy/docker-compose.yml up --build');
  }
}
if (failed) process.exit(1);
