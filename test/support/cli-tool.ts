import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { REPO_ROOT } from './env.js';

/** A checking tool's exit code and output (stdout then stderr). */
export interface ToolResult {
  readonly code: number;
  readonly output: string;
}

/**
 * Runs a system tool the deploy tests check files with (promtool, amtool) in the repository root. A failing check is
 * a result, not an exception: the tests assert on the exit code and show the output. A missing tool is an error
 * naming how to install it (`install`), since scripts/ensure-tools.mjs installs them before `npm test`.
 */
export async function runTool(binary: string, install: string, args: readonly string[]): Promise<ToolResult> {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: ${install}`);
  try {
    const { stdout, stderr } = await promisify(execFile)(binary, args, { cwd: REPO_ROOT });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}
