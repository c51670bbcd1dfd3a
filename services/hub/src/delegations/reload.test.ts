import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { reloadDelegations } from './reload.js';

function capture(): { log: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>> } {
  const written: string[] = [];
  const log = createLogger({ level: 'info', destination: { write: (line: string) => void written.push(line) } });
  return { log, lines: () => written.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('reloadDelegations (SIGHUP)', () => {
  it("logs a config file's problems (the operator's own file; the log is where a SIGHUP answers) beside the error's facts", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reload-'));
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'delegations: [\n');
    const { log, lines } = capture();
    await reloadDelegations({ replace: () => Promise.reject(new Error('unused')) }, broken, log);
    expect(lines()[0]).toMatchObject({ msg: 'SIGHUP: delegations not reloaded', err: { type: 'ConfigError', code: 'WEICHE_ERR_CONFIG_INVALID' }, problems: [expect.stringContaining('broken.yaml')] });

  });
});
