import type { Logger } from 'pino';
import { loadConfigFile } from '@weiche/config';
import { errorMessage } from '@weiche/core';
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
    log.error({ err: errorMessage(error) }, 'SIGHUP: delegations not reloaded');
  }
}
