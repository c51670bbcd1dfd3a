import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { HUB_NODE_FLAGS } from '@weiche/hub/node-flags';
import { REPO_ROOT, waitFor } from './env.js';
import { startOnFreePort, startOnPort, type ServerSpec } from './server-on-port.js';

/** The built hub (services/hub/dist) running as a child process — a real process that can be SIGKILLed. */
export class HubProcess {
  private child: ChildProcess | undefined;
  output = '';

  constructor(
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}

  /** The running child process (undefined before start()). */
  get process(): ChildProcess | undefined {
    return this.child;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** True once the process has ended (by itself or killed). */
  get exited(): boolean {
    return this.child !== undefined && (this.child.exitCode !== null || this.child.signalCode !== null);
  }

  start(): this {
    this.output = '';
    const child = spawn(process.execPath, [...HUB_NODE_FLAGS, join(REPO_ROOT, 'services', 'hub', 'dist', 'main.js'), ...this.args], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child = child;
    return this;
  }

  /**
   * The URL the gateway serves on, from its "weiche hub started" line: for a hub configured with port 0, whose port
   * the kernel picks as it binds (race-free) — also one that binds only long after it was started.
   */
  get url(): string {
    const line = this.output.split('\n').find((l) => l.includes('"weiche hub started"'));
    const url = line ? (JSON.parse(line) as { url?: unknown }).url : undefined;
    if (typeof url !== 'string') throw new Error(`the hub has not logged the URL it serves on:\n${this.output.slice(-3000)}`);
    return url;
  }

  async waitForLog(text: string, timeoutMs = 90_000): Promise<void> {
    await waitFor(`hub log "${text}"`, async () => {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) throw new Error(`hub exited (${this.child.exitCode}):\n${this.output.slice(-3000)}`);
      return this.output.includes(text);
    }, timeoutMs);
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
  }
}

/** The hub as a server for startOnPort(): `make(port)` prepares it for that port, `ready` is the log line it writes once it serves. */
function hubSpec(make: (port: number) => HubProcess | Promise<HubProcess>, ready: string, started: (hub: HubProcess) => void): ServerSpec {
  return {
    name: 'hub',
    spawn: async (port) => {
      const hub = (await make(port)).start();
      started(hub);
      return hub.process!;
    },
    listening: () => new RegExp(ready.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    // "weiche: could not start: listen EADDRINUSE: address already in use 127.0.0.1:N"
    portInUse: /EADDRINUSE/,
    timeoutMs: 90_000,
  };
}

/**
 * A hub whose port must be known before it starts (in its config file or environment), started race-free: `make(port)`
 * prepares the HubProcess for a port from freePort(); when the hub reports that port taken (EADDRINUSE: a test file
 * beside bound it in between), it is made again for a new port. Resolves once the hub logged `ready`. `ports`: where the
 * ports come from (default: free ones); for the test of the port race.
 */
export async function startHubOnFreePort(
  make: (port: number) => HubProcess | Promise<HubProcess>,
  ready = 'weiche hub started',
  options: { ports?: () => Promise<number> } = {},
): Promise<{ hub: HubProcess; port: number }> {
  let hub: HubProcess | undefined;
  const server = await startOnFreePort(hubSpec(make, ready, (h) => (hub = h)), options);
  return { hub: hub!, port: server.port };
}

/**
 * A hub restarted on the port it had (its clients and the test know that URL): it cannot move, so a test file beside
 * that took the port in between makes the start fail — with PortInUseError ("port N … taken by another process"),
 * not with a timeout or a bare exit.
 */
export async function restartHubOnPort(make: (port: number) => HubProcess | Promise<HubProcess>, port: number, ready = 'weiche hub started'): Promise<HubProcess> {
  let hub: HubProcess | undefined;
  await startOnPort(hubSpec(make, ready, (h) => (hub = h)), port);
  return hub!;
}
