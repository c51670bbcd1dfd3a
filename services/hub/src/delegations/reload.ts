import type { Logger } from 'pino';
import { ConfigError, loadConfigFile } from '@weiche/config';
import type { DelegationRegistry } from './delegation-registry.js';

/**
 * SIGHUP: reads the config file again and applies its `delegations` (docs/delegation.md) without a restart.
 * Only the delegations change; the rest of the file takes effect at the next start. A file that does not
 * validate changes nothing and is logged with its problems.
 */
export async function reloadDelegations(delegations: Pick<DelegationRegistry, 'replace'>, configFile: string, log: Logger): Promise<void> {
  try {
    const config = loadConfigFile(configFile);
    if (!config.delegations) {
      log.info({ configFile }, 'SIGHUP: the config file has no delegations key; delegations unchanged (managed through the admin API)');
      return;
    }
    const result = await delegations.replace(config.delegations, 'hub:config', 'config-file (SIGHUP)');
    log.info({ changed: result.changed, version: result.version }, 'SIGHUP: delegations applied from the config file');
  } catch (error) {
    // a ConfigError's problems are about the operator's own file (keys, YAML lines), and the log is where a SIGHUP
    // answers: they are kept; any other error (the database) is named by its facts
    log.error({ err: error, ...(error instanceof ConfigError ? { problems: error.problems } : {}) }, 'SIGHUP: delegations not reloaded');
  }
}
