import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, realpath, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const repo = join(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);

/**
 * For scaffold tests: a temp dir laid out like the workspace, so a generated package builds and runs its tests as in
 * the repository without being picked up by the workspace's own test runs. The generated tsconfig's `extends` and
 * `references` resolve (tsconfig.base.json, the referenced packages), and node_modules links give it the workspace
 * packages (their built dist/, as a consumer sees them) and the tools, the way pnpm would.
 */
export async function scaffoldWorkspace(referenced: readonly string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weiche-scaffold-'));
  await copyFile(join(repo, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  for (const group of ['packages/adapters', 'packages/mappings', 'node_modules/@types', 'node_modules/@weiche']) await mkdir(join(dir, group), { recursive: true });
  for (const pkg of referenced) {
    await symlink(join(repo, 'packages', pkg), join(dir, 'packages', pkg));
    await symlink(join(repo, 'packages', pkg), join(dir, 'node_modules', '@weiche', pkg));
  }
  await symlink(await realpath(join(repo, 'packages', 'core', 'node_modules', 'zod')), join(dir, 'node_modules', 'zod'));
  await symlink(await realpath(join(repo, 'node_modules', 'vitest')), join(dir, 'node_modules', 'vitest'));
  await symlink(await realpath(join(repo, 'node_modules', '@types', 'node')), join(dir, 'node_modules', '@types', 'node'));
  return dir;
}

/** Builds a generated package with its own tsconfig (strict, as the workspace builds it); rejects on a compile error. */
export async function buildScaffold(dir: string, pkgDir: string): Promise<void> {
  await run(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(pkgDir, 'tsconfig.json')], { cwd: dir });
}

/** Runs the generated packages' tests in the scaffold workspace; returns vitest's verbose report (rejects when a test fails). */
export async function runScaffoldTests(dir: string): Promise<string> {
  await writeFile(join(dir, 'vitest.config.mjs'), "export default { test: { include: ['packages/*/*/src/*.test.ts'], testTimeout: 300000, hookTimeout: 120000 } };\n");
  const { stdout } = await run(process.execPath, [join(repo, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter', 'verbose', '--root', dir, '--config', join(dir, 'vitest.config.mjs')], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', CI: '1' },
  });
  return stdout;
}
