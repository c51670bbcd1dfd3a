import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** For tests: runs the built `weiche` command (dist/main.js) as an operator would; never throws on a non-zero exit. */
export async function weiche(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = join(import.meta.dirname, '..', 'dist', 'main.js');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
