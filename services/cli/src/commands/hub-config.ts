import { resolve } from 'node:path';
import { loadConfigFile, type WeicheConfig } from '@weiche/config';
import { demoConfig } from '@weiche/hub';

/** The hub's config as the running hub sees it: --config / WEICHE_CONFIG, else the demo defaults. */
export async function hubConfig(configFile: string | undefined): Promise<WeicheConfig> {
  const file = configFile ?? process.env.WEICHE_CONFIG;
  if (file) return loadConfigFile(file);
  return (await demoConfig(resolve(process.env.WEICHE_DATA_DIR ?? '.weiche'))).config;
}
