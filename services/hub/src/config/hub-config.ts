import type { AdapterFactory } from '@weiche/adapter-sdk';
import { ConfigError, loadConfigFile, type WeicheConfig } from '@weiche/config';
import { ADAPTER_KINDS, adapterConfigCheck, adapterConfigProblems } from './adapter-kinds.js';
import { mappingRouteCheck } from './mapping-modules.js';

/**
 * Loads a config file with every check the hub runs before it starts: the config schema (strict: unknown
 * keys refused), references, secret files, each adapter instance against its kind, and each route's target and
 * pinned mapping against the known mapping modules. `weiche config check`
 * runs exactly this, so a file it accepts is one the hub accepts.
 */
export function loadHubConfig(file: string, env: NodeJS.ProcessEnv = process.env, kinds: ReadonlyMap<string, AdapterFactory<unknown>> = ADAPTER_KINDS): WeicheConfig {
  return loadConfigFile(file, env, [adapterConfigCheck(kinds), mappingRouteCheck()]);
}

/** The hub's checks on a config built in code (the demo, tests): throws a ConfigError naming every problem. */
export function assertHubConfig(config: Pick<WeicheConfig, 'adapters'>, kinds: ReadonlyMap<string, AdapterFactory<unknown>> = ADAPTER_KINDS): void {
  const problems = adapterConfigProblems(config.adapters, kinds);
  if (problems.length > 0) throw new ConfigError(problems);
}
