/**
 * A real OpenSSH server (Debian `openssh-server`) on a free loopback port, for the sftp adapter tests:
 * fresh ed25519 host and client keys in a temp dir, key login for the current user (root in CI),
 * `internal-sftp` as the SFTP subsystem. Fails with a clear message when sshd is not installed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startOnFreePort, startOnPort, type ServerSpec } from './server-on-port.js';

const run = promisify(execFile);

export const SSHD_BINARY = process.env.SSHD_BINARY ?? '/usr/sbin/sshd';

export interface SshdOptions {
  /** Serve SFTP read-only (`internal-sftp -R`): every write is answered with PERMISSION_DENIED. */
  readOnly?: boolean;
  /** Where the first start takes its port from (default: a free one); for the test of the port race. */
  ports?: () => Promise<number>;
}

/** SHA-256 of an OpenSSH public key line's key blob, base64 — what `ssh-keygen -lf` prints after `SHA256:`. */
export function publicKeySha256(publicKeyLine: string): string {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (!blob) throw new Error('not an OpenSSH public key line');
  return createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
}

/** One sshd child process with its own keys and config in a temp dir. */
export class PrivateSshd {
  private child: ChildProcess | undefined;
  dir = '';
  port = 0;
  readonly host = '127.0.0.1';
  readonly username = userInfo().username;
  /** Private key the server accepts (OpenSSH format). */
  clientKeyFile = '';
  /** SHA-256 of the server host key, base64 (the pin the adapter config wants). */
  hostKeySha256 = '';
  /** A folder the tests deliver into. */
  remoteDir = '';

  /** Starts sshd; after `stop()` it starts again with the same keys, port and folder (optionally read-only now). */
  async start(options: SshdOptions = {}): Promise<this> {
    if (!existsSync(SSHD_BINARY)) {
      throw new Error(`OpenSSH server not found at ${SSHD_BINARY}: install it with "apt-get install -y openssh-server" (the sftp adapter tests need a real sshd)`);
    }
    if (this.child && this.child.exitCode === null) throw new Error('sshd already running');
    if (!this.dir) await this.prepare();
    const config = join(this.dir, 'sshd_config');
    const spec: ServerSpec = {
      name: 'sshd',
      spawn: async (port) => {
        await writeFile(config, sshdConfig(this.dir, this.host, port, options.readOnly === true));
        return spawn(SSHD_BINARY, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      },
      // LogLevel INFO writes this line; a taken port gives "Bind to port … failed: Address already in use." and exit 255
      listening: (port) => new RegExp(`Server listening on ${this.host.replaceAll('.', '\\.')} port ${port}\\.`),
      portInUse: /Address already in use/,
      timeoutMs: 10_000,
    };
    // a restart keeps the port the adapters are configured with: taken meanwhile, it fails with PortInUseError
    const server = this.port ? await startOnPort(spec, this.port) : await startOnFreePort(spec, options.ports ? { ports: options.ports } : {});
    this.port = server.port;
    this.child = server.child;
    return this;
  }

  /** The adapter config for this server (key login, pinned host key, the inbox folder). */
  adapterConfig(): { host: string; port: number; username: string; privateKeyFile: string; hostKeySha256: string; remoteDir: string; connectTimeoutMs: number } {
    return {
      host: this.host,
      port: this.port,
      username: this.username,
      privateKeyFile: this.clientKeyFile,
      hostKeySha256: this.hostKeySha256,
      remoteDir: this.remoteDir,
      connectTimeoutMs: 5_000,
    };
  }

  /** Stops the listening sshd (new connections are refused); keys and folder stay for a restart until `remove()`. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // sshd's per-connection children run in their own sessions and end with their connections.
    child.kill('SIGTERM');
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private async prepare(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'weiche-sshd-'));
    this.remoteDir = join(this.dir, 'inbox');
    await mkdir(this.remoteDir);
    const hostKey = join(this.dir, 'host_ed25519');
    this.clientKeyFile = join(this.dir, 'client_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'weiche-test-host', '-f', hostKey]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'weiche-test-client', '-f', this.clientKeyFile]);
    this.hostKeySha256 = publicKeySha256(await readFile(`${hostKey}.pub`, 'utf8'));
    await writeFile(join(this.dir, 'authorized_keys'), await readFile(`${this.clientKeyFile}.pub`, 'utf8'));
    // Debian's sshd refuses to start without its privilege separation folder (normally made by systemd).
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => undefined);
  }
}

function sshdConfig(dir: string, host: string, port: number, readOnly: boolean): string {
  return [
    `Port ${port}`,
    `ListenAddress ${host}`,
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'LogLevel INFO',
    `Subsystem sftp internal-sftp${readOnly ? ' -R' : ''}`,
    '',
  ].join('\n');
}
