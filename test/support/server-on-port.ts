/**
 * External servers (sshd, pgbouncer, redis-server) on a loopback port for one test file. They cannot listen on port 0
 * and report their own, so the port is picked first — and a test file running beside can take it before the server
 * binds it (the start takes 100s of ms). Readiness is therefore the server's own "listening" line in its output, never
 * "something answers on the port" (that may be another file's server), and a server that reports its port taken is
 * started again on a new one.
 *
 * Self-contained on purpose (node: modules only): the sftp adapter's tests build this file into their own project.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';

/** A port free at this moment — only until someone else binds it: start servers with startOnFreePort(). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface ServerSpec {
  /** For messages: "sshd", "pgbouncer" … */
  readonly name: string;
  /** Starts the server on `port`, with stdout and stderr piped (they are read for the two lines below). */
  readonly spawn: (port: number) => ChildProcess | Promise<ChildProcess>;
  /** The line the server writes once it listens on `port`. */
  readonly listening: (port: number) => RegExp;
  /** What the server writes before it exits when a port it wants is taken. */
  readonly portInUse: RegExp;
  /** How long the start may take until the listening line (default 15 s). */
  readonly timeoutMs?: number;
}

export interface ServerOnPort {
  readonly child: ChildProcess;
  readonly port: number;
  /** The server's stdout and stderr so far (the last 8,000 characters), for failure messages. */
  output(): string;
}

export class PortInUseError extends Error {
  /** As node's own error for it: callers that check the code keep working. */
  readonly code = 'EADDRINUSE';

  constructor(
    readonly server: string,
    readonly port: number,
    output: string,
  ) {
    super(`${server} could not listen on port ${port}, it is taken by another process:\n${output}`);
    this.name = 'PortInUseError';
  }
}

const OUTPUT_KEPT = 8_000;

/**
 * Listens on 127.0.0.1:`port` and resolves with the port it got (for 0: one the kernel picks, race-free). A port
 * another process holds rejects with PortInUseError — not an unhandled 'error' event that ends the test worker. For
 * test servers in this process that come back on the port they had (their URL is out already): they cannot move.
 */
export function listenOnLoopback(server: Server, port: number, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => reject(error.code === 'EADDRINUSE' ? new PortInUseError(name, port, error.message) : error);
    server.once('error', failed);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', failed);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * Starts the server on this port and resolves once it says it listens there. Rejects with PortInUseError when it
 * exits because the port is taken; with the output when it exits otherwise or stays silent past the deadline.
 */
export async function startOnPort(spec: ServerSpec, port: number): Promise<ServerOnPort> {
  const child = await spec.spawn(port);
  const timeoutMs = spec.timeoutMs ?? 15_000;
  const listening = spec.listening(port);
  let output = '';
  return new Promise<ServerOnPort>((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve({ child, port, output: () => output });
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(new Error(`${spec.name} did not report listening on port ${port} within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const read = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
      if (listening.test(output)) settle();
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('error', (error) => settle(new Error(`${spec.name} could not be started: ${error.message}`)));
    // 'close', not 'exit': the last output (the reason) has been read by then
    child.once('close', (code, signal) => {
      if (spec.portInUse.test(output)) settle(new PortInUseError(spec.name, port, output));
      else settle(new Error(`${spec.name} exited (${code ?? signal}) before listening on port ${port}:\n${output}`));
    });
  });
}

/**
 * startOnPort() on a port from `ports` (default freePort()); when the server reports the port taken — another test
 * file bound it in between — again on the next one, up to `attempts` times.
 */
export async function startOnFreePort(spec: ServerSpec, options: { ports?: () => Promise<number>; attempts?: number } = {}): Promise<ServerOnPort> {
  const ports = options.ports ?? freePort;
  const attempts = options.attempts ?? 5;
  let taken: PortInUseError | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await startOnPort(spec, await ports());
    } catch (error) {
      if (!(error instanceof PortInUseError)) throw error;
      taken = error;
    }
  }
  throw new Error(`${spec.name}: every one of ${attempts} ports was taken before it could bind it; last: ${taken?.message}`);
}
