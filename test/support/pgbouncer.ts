import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DATABASE_URL } from './env.js';
import { startOnFreePort } from './server-on-port.js';
import { stopProcess } from './stop-process.js';

/** The Debian package's binary (`apt-get install pgbouncer`); undefined when it is not installed. */
export const PGBOUNCER_BINARY = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((path) => existsSync(path));

/**
 * A private PgBouncer in transaction mode on a free loopback port (startOnFreePort), in front of the test PostgreSQL
 * (DATABASE_URL). Few server connections per database, so consecutive transactions of one client
 * really land on different server connections: anything relying on session state breaks here.
 */
export class PgBouncer {
  private child: ChildProcess | undefined;
  private logFile = '';
  url = '';

  /** `ports`: where the port comes from (default: a free one); for the test of the port race. */
  async start(dir: string, options: { poolSize?: number; ports?: () => Promise<number> } = {}): Promise<this> {
    const binary = PGBOUNCER_BINARY;
    if (!binary) throw new Error('pgbouncer is not installed (Debian: apt-get install pgbouncer)');
    const upstream = new URL(DATABASE_URL());
    const user = decodeURIComponent(upstream.username || 'postgres');
    this.logFile = join(dir, 'pgbouncer.log');
    const ini = join(dir, 'pgbouncer.ini');
    await writeFile(join(dir, 'userlist.txt'), `"${user}" ""\n`);
    // PgBouncer refuses to run as root: as root, it drops to the postgres user, which must read the files
    const owner = userInfo().uid === 0 ? await postgresUser() : undefined;
    const server = await startOnFreePort(
      {
        name: 'pgbouncer',
        spawn: async (port) => {
          await writeFile(ini, pgbouncerIni(dir, upstream, user, port, options.poolSize ?? 3, this.logFile));
          if (owner) {
            await chmod(dir, 0o755);
            for (const file of [dir, ini, join(dir, 'userlist.txt')]) await chown(file, owner.uid, owner.gid);
          }
          // it logs to stderr as well as to the log file
          return spawn(binary, [...(owner ? ['-u', 'postgres'] : []), ini], { stdio: ['ignore', 'ignore', 'pipe'] });
        },
        listening: (port) => new RegExp(`listening on 127\\.0\\.0\\.1:${port}\\b`),
        // "cannot listen on 127.0.0.1:N: bind(): Address already in use", then "FATAL nowhere to listen on"
        portInUse: /Address already in use/,
      },
      options.ports ? { ports: options.ports } : {},
    );
    this.child = server.child;
    this.url = `postgres://${encodeURIComponent(user)}@127.0.0.1:${server.port}${upstream.pathname || '/postgres'}`;
    return this;
  }

  /** A statement on PgBouncer's admin console (SHOW POOLS, SHOW STATS, SHOW CONFIG …). */
  async admin<R extends Record<string, unknown>>(command: string): Promise<R[]> {
    const url = new URL(this.url);
    url.pathname = '/pgbouncer';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return (await client.query<R>(command)).rows;
    } finally {
      await client.end();
    }
  }

  async log(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '');
  }

  async stop(): Promise<void> {
    await stopProcess(this.child);
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('running as root, but there is no postgres user for PgBouncer to switch to');
  return { uid: Number(uid), gid: Number(gid) };
}

function pgbouncerIni(dir: string, upstream: URL, user: string, port: number, poolSize: number, logFile: string): string {
  return [
    '[databases]',
    `* = host=${upstream.hostname} port=${upstream.port || 5432}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${poolSize}`,
    'max_client_conn = 500',
    // node-postgres may send these; PgBouncer forwards only the parameters it tracks
    'ignore_startup_parameters = extra_float_digits,options',
    `admin_users = ${user}`,
    `logfile = ${logFile}`,
    `pidfile = ${join(dir, 'pgbouncer.pid')}`,
    '',
  ].join('\n');
}
