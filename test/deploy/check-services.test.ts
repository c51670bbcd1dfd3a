import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REFUSED_PORT } from '../support/env.js';

const repo = join(import.meta.dirname, '..', '..');
const DOCKER = 'deploy/make-secrets.sh && docker compose -f deploy/docker-compose.yml up --build';

// `npm start` and `npm test` run scripts/check-services.mjs first; the README promises they say what is missing and how to start it
describe('scripts/check-services.mjs', () => {
  it('names an unreachable Redis and PostgreSQL, how to start them, and the Docker command of the README; exit 1', async () => {
    expect(await readFile(join(repo, 'README.md'), 'utf8')).toContain(DOCKER);
    const env = { ...process.env, REDIS_URL: `redis://127.0.0.1:${REFUSED_PORT}`, DATABASE_URL: `postgres://postgres@127.0.0.1:${REFUSED_PORT}/postgres` };
    const failed = await promisify(execFile)(process.execPath, [join(repo, 'scripts', 'check-services.mjs')], { env }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`Redis is not reachable at 127.0.0.1:${REFUSED_PORT}`);
    expect(failed.stderr).toContain(`PostgreSQL is not reachable at 127.0.0.1:${REFUSED_PORT}`);
    expect(failed.stderr).toContain('point REDIS_URL at a running one');
    expect(failed.stderr).toContain(DOCKER);
  });
});
