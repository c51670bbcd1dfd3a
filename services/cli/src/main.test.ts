import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '..', 'dist', 'main.js');

async function weiche(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// runs the built command (npm test builds before testing), as an operator would
describe('weiche CLI', () => {
  it('config check lists every problem of a broken file and exits 1, without printing secrets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-'));
    const file = join(dir, 'weiche.yaml');
    await writeFile(
      file,
      'tenants:\n  - { id: "Not Valid", name: "", behoerdenkennung: "x" }\nsenderClients:\n  - { clientId: p1, name: P, clientSecret: "super-secret-value", destinations: ["not-a-uuid"] }\n',
    );
    const result = await weiche('config', 'check', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/tenants\.0\.id/);
    expect(result.stderr).toMatch(/tenants\.0\.name/);
    expect(result.stderr).toMatch(/senderClients\.0\.destinations\.0/);
    expect(result.stderr + result.stdout).not.toContain('super-secret-value');
  });

  it('keys generate writes an RSA-4096 key pair and names its kid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-keys-'));
    const result = await weiche('keys', 'generate', '--out', join(dir, 'k'), '--cn', 'Test');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/kid [A-Za-z0-9_-]{43}/);
  });

  it('answers an unknown command with usage and exit 64', async () => {
    const result = await weiche('frobnicate');
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('weiche config check');
  });
});
