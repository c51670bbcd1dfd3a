/**
 * A real OpenSSH server (Debian `openssh-server`) on a free loopback port, for the sftp adapter tests:
 * fresh ed25519 host and client keys in a temp dir, key login for the current user (root in CI),
 * `internal-sftp` as the SFTP subsystem. Fails with a clear message when sshd is not installed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Self-contained on purpose (no ./env.js, which pulls in pg): adapter packages build this file into their own
// test project.
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForBanner(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      last = error;
      if ((error as Error).message.startsWith('sshd exited')) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`sshd did not answer within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}
export const SSHD_BINARY = process.env.SSHD_BINARY ?? '/usr/sbin/sshd';

export interface SshdOptions {
  /** Serve SFTP read-only (`internal-sftp -R`): every write is answered with PERMISSION_DENIED. */
  readOnly?: boolean;
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
  private stderr = '';
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
    await writeFile(
      config,
      [
        `Port ${this.port}`,
        `ListenAddress ${this.host}`,
        `HostKey ${join(this.dir, 'host_ed25519')}`,
        `PidFile ${join(this.dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'LogLevel ERROR',
        `Subsystem sftp internal-sftp${options.readOnly ? ' -R' : ''}`,
        '',
      ].join('\n'),
    );
    const child = spawn(SSHD_BINARY, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    await waitForBanner(async () => {
      if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${this.stderr}`);
      return (await this.banner()).startsWith('SSH-2.0-');
    }, 10_000);
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
    this.port = await freePort();
  }

  private banner(): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      socket.setTimeout(2_000, () => socket.destroy(new Error('banner timeout')));
      socket.once('data', (data: Buffer) => {
        socket.destroy();
        resolve(data.toString('latin1'));
      });
      socket.once('error', reject);
    });
  }
}
