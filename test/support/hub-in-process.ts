import type { AdapterFactory } from '@weiche/adapter-sdk';
import { loadConfigFile } from '@weiche/config';
import { createHubDeps, createLogger, startRoles, type HubDeps, type RunningHub } from '@weiche/hub';
import { dropSchema } from './env.js';
import { TestSender } from './fit-connect-sender.js';
import type { TestHubConfig } from './test-config.js';

export interface InProcessHub {
  readonly deps: HubDeps;
  readonly hub: RunningHub;
  readonly baseUrl: string;
  readonly sender: TestSender;
  stop(): Promise<void>;
}

/** Runs all roles of the hub inside the test process (real Redis, PostgreSQL, HTTP port and files). */
export async function startInProcessHub(cfg: TestHubConfig, options: { adapterKinds?: readonly AdapterFactory<unknown>[]; log?: ReturnType<typeof createLogger> } = {}): Promise<InProcessHub> {
  const config = loadConfigFile(cfg.file, {});
  const { log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), ...hubOptions } = options;
  const deps = await createHubDeps(config, log, hubOptions);
  const hub = await startRoles(deps, ['gateway', 'processor', 'dispatcher']);
  const baseUrl = hub.url ?? '';
  return {
    deps,
    hub,
    baseUrl,
    sender: new TestSender(baseUrl, cfg.clientId, cfg.clientSecret),
    async stop() {
      await hub.close();
      await deps.close();
      await dropSchema(cfg.schema);
    },
  };
}
