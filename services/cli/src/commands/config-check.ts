import { ConfigError, configWarnings } from '@weiche/config';
// the config module alone, not the hub's index: a check should not load the hub's runtime (seconds of start-up)
import { loadHubConfig } from '@weiche/hub/config';

/**
 * `weiche config check <file>`: runs the hub's own start-up validation (loadHubConfig) and lists every
 * problem at once. Prints counts and paths, never a value: a config holds secrets. Warnings (likely mistakes
 * the hub still starts with) go to stderr and do not change the exit code.
 */
export async function configCheck(file: string): Promise<number> {
  try {
    const config = loadHubConfig(file);
    for (const warning of configWarnings(config)) console.error(`warning: ${warning}`);
    console.log(`ok: ${config.tenants.length} tenant(s), ${config.destinations.length} destination(s), ${config.adapters.length} adapter instance(s), ${config.routes.length} route(s)`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      // the file first: an operator checks several (one per environment)
      console.error(`${file}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
