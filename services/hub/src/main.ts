#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { configWarnings, type WeicheConfig } from '@weiche/config';
import { errorMessage } from '@weiche/core';
import { configureCryptoPool } from '@weiche/crypto';
import { loadHubConfig } from './config/hub-config.js';
import { createHubDeps, describeRedis, redactUrl } from './context.js';
import { reloadDelegations } from './delegations/reload.js';
import { demoBanner, demoConfig, writeDemoJson } from './demo.js';
import { createLogger } from './logger.js';
import { missingNodeFlags } from './node-flags.js';
import { parseRoles, startRoles } from './roles.js';
import { startHint } from './start-hint.js';

const { values } = parseArgs({
  options: { role: { type: 'string' }, config: { type: 'string' } },
  allowPositionals: false,
});

const roleArg = values.role ?? process.env.WEICHE_ROLE ?? 'all';
const log = createLogger({ role: roleArg });

async function main(): Promise<void> {
  const roles = parseRoles(roleArg);
  const configFile = values.config ?? process.env.WEICHE_CONFIG;
  let config: WeicheConfig;
  let demo: Awaited<ReturnType<typeof demoConfig>>['state'] | undefined;
  if (configFile) {
    config = loadHubConfig(configFile);
  } else {
    const dataDir = resolve(process.env.WEICHE_DATA_DIR ?? '.weiche');
    ({ config, state: demo } = await demoConfig(dataDir));
    log.info({ dataDir }, 'no config file given (--config or WEICHE_CONFIG): starting with the embedded demo defaults');
  }
  // what `weiche config check` calls a likely mistake: said at start too, for an operator who deployed without it
  for (const warning of configWarnings(config)) log.warn({ warning }, 'config: likely a mistake (weiche config check names it too)');
  if (config.processing.cryptoThreads !== undefined) configureCryptoPool({ threads: config.processing.cryptoThreads });
  const missing = missingNodeFlags();
  // a changed start command (e.g. a Kubernetes `args` of its own) loses them silently otherwise
  if (missing.length > 0) log.warn({ missing }, 'started without the Node.js flags the hub is deployed with: its peak memory is higher (see deploy/Dockerfile)');
  const deps = await createHubDeps(config, log);
  const hub = await startRoles(deps, roles);
  log.info({ roles, url: hub.url, healthUrl: hub.healthUrl, database: redactUrl(config.database.url), redis: describeRedis(config.redis) }, 'weiche hub started');
  if (demo && hub.url) {
    const baseUrl = config.server.publicBaseUrl ?? `http://localhost:${config.server.port}`;
    const file = await writeDemoJson(config, demo, baseUrl);
    console.log(demoBanner(config, demo, baseUrl, file));
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: draining workers');
    // a job still running after the deadline is taken over by another replica (BullMQ stalled-job check)
    setTimeout(() => {
      log.warn({ timeoutMs: config.server.shutdownTimeoutMs }, 'shutdown deadline reached: exiting with jobs still running');
      process.exit(1);
    }, config.server.shutdownTimeoutMs).unref();
    hub
      .close()
      .then(() => deps.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  // SIGHUP applies the file's delegations without a restart (docs/delegation.md)
  if (configFile) process.on('SIGHUP', () => void reloadDelegations(deps.delegations, configFile, log));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  const message = errorMessage(error);
  log.fatal({ err: error }, 'weiche hub could not start');
  console.error(`\nweiche: could not start: ${message}`);
  const hint = startHint(message);
  if (hint) console.error(`  ${hint}`);
  process.exit(1);
});
