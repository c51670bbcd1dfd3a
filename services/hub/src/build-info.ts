import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HUB_PRODUCT } from './version.js';

export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
  readonly node: string;
}

let cached: BuildInfo | undefined;

/**
 * What is running: the hub's version, the source commit and the Node version. The commit comes from
 * WEICHE_COMMIT (set by an image build, which has no .git), else from the checkout this file is in,
 * else "unknown".
 */
export function buildInfo(env: NodeJS.ProcessEnv = process.env): BuildInfo {
  cached ??= { version: HUB_PRODUCT.version, commit: env.WEICHE_COMMIT?.trim() || gitCommit() || 'unknown', node: process.versions.node };
  return cached;
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: dirname(fileURLToPath(import.meta.url)), encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}
