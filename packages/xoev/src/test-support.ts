// Test-only helpers (not exported from the barrel): a real schema cache in a temp dir, installed
// by the same script `npm test` runs.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Absolute path of scripts/install-schemas.mjs. */
export const INSTALL_SCRIPT = fileURLToPath(new URL('../../../scripts/install-schemas.mjs', import.meta.url));

/** Runs the installer with the given env; resolves with exit code and output instead of throwing. */
export async function runInstaller(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [INSTALL_SCRIPT], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** Creates a temp dir and installs every manifest's files into it; throws when the installer fails. */
export async function installTempSchemaCache(): Promise<string> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'weiche-schemas-'));
  const result = await runInstaller({ WEICHE_SCHEMA_CACHE: cacheDir });
  if (result.code !== 0) throw new Error(`install-schemas failed: ${result.stderr}`);
  return cacheDir;
}
