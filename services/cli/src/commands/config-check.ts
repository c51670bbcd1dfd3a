import { ConfigError, loadConfigFile } from '@weiche/config';

/** `weiche config check <file>`: validates a config file and lists every problem at once. */
export async function configCheck(file: string | undefined): Promise<number> {
  if (!file) throw new Error('usage: weiche config check <file>');
  try {
    const config = loadConfigFile(file);
    console.log(`ok: ${config.tenants.length} tenant(s), ${config.destinations.length} destination(s), ${config.adapters.length} adapter instance(s), ${config.routes.length} route(s)`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}
