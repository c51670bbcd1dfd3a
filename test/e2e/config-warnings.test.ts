import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, tempDir } from '../support/env.js';
import { HubProcess } from '../support/hub-process.js';
import { writeTestConfig, type TestHubConfig } from '../support/test-config.js';

// `weiche config check` warns about what loads but is likely an operator's mistake (a tenant nothing brings submissions
// to). An operator who deploys without running it must learn it from the hub's own start: one warning line each.
describe('a config with a likely mistake', () => {
  let dir: string | undefined;
  let cfg: TestHubConfig | undefined;
  let hub: HubProcess | undefined;

  afterAll(async () => {
    await hub?.stop();
    if (cfg) await dropSchema(cfg.schema);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('still starts, and warns at start as weiche config check does', async () => {
    dir = await tempDir('config-warnings');
    cfg = await writeTestConfig(dir, {
      port: 0,
      overrides: (raw) => void (raw.tenants as unknown[]).push({ id: 'werl', name: 'Stadt Werl', behoerdenkennung: 'ags:05974048' }),
    });
    hub = new HubProcess(['--config', cfg.file]).start();
    await hub.waitForLog('weiche hub started');
    const warnings = hub.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; warning?: string })
      .filter((entry) => entry.level === 40 && entry.warning !== undefined);
    expect(warnings.map((w) => w.warning)).toEqual([expect.stringMatching(/^tenants\.1 \(werl\): no destination, upstream, XTA reader or delegation/)]);
  }, 120_000);
});
