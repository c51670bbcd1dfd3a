/**
 * The built hub as a child process, like test/support/hub-process.ts — but that helper finds the repo
 * from its own location, which is only right when vitest runs it from source; compiled to test/dist
 * it points into test/. The benchmark runs compiled, so it locates the workspace root itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HUB_NODE_FLAGS } from '@weiche/hub/node-flags';

/** The directory holding pnpm-workspace.yaml, searched upwards from this file. */
export function workspaceRoot(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
  }
}

export class BenchHub {
  private child: ChildProcess | undefined;
  output = '';

  constructor(
    private readonly configFile: string,
    private readonly options: { nodeArgs?: readonly string[]; env?: NodeJS.ProcessEnv; role?: string } = {},
  ) {}

  /** Starts services/hub/dist/main.js (role all unless given) and waits for its start-up log line. */
  async start(): Promise<void> {
    const root = workspaceRoot();
    // cwd = workspace root: the hub finds its schema cache at ./.weiche/schemas
    // with the flags the hub is deployed with, so the figures are the deployed hub's
    const child = spawn(process.execPath, [...HUB_NODE_FLAGS, ...(this.options.nodeArgs ?? []), join(root, 'services', 'hub', 'dist', 'main.js'), '--config', this.configFile, '--role', this.options.role ?? 'all'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer): void => {
      // only the tail is ever shown; the benchmark must not grow without bound
      this.output = (this.output + chunk.toString()).slice(-200_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    const deadline = Date.now() + 90_000;
    while (!this.output.includes('weiche hub started')) {
      if (!this.alive()) throw new Error(`hub exited (${child.exitCode ?? child.signalCode}):\n${this.output.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`hub did not start within 90 s:\n${this.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The hub's process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (the hub drains its workers) and waits for the exit. */
  stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive()) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
