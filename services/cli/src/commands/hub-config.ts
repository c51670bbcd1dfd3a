import { resolve } from 'node:path';
import type { WeicheConfig } from '@weiche/config';
import { demoConfig, loadHubConfig } from '@weiche/hub';

/** Where a command's notes go (the data it works on, progress): stderr, so stdout stays the result (e.g. --json). */
export type Say = (line: string) => void;
export const sayOnStderr: Say = (line) => console.error(line);

/** host:port/database of a connection URL: enough to tell which database, never the user or password. */
export function databaseName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** The data a command works on, in one line: config source, database, schema, Redis and key prefix. */
export function describeTarget(config: WeicheConfig, source: string): string {
  const redis = config.redis.cluster ? `cluster ${config.redis.cluster.nodes.join(',')}` : config.redis.sentinel ? `sentinel ${config.redis.sentinel.name}` : databaseName(config.redis.url);
  return `${source}: database ${databaseName(config.database.url)}, schema ${config.database.schema}, redis ${redis}, prefix ${config.redis.prefix}`;
}

/**
 * The hub's config as the running hub sees it: --config / WEICHE_CONFIG (validated exactly as the hub
 * does), else the demo defaults. Says which database, schema and Redis prefix the command will touch.
 */
export async function hubConfig(configFile: string | undefined, say: Say = sayOnStderr): Promise<WeicheConfig> {
  const file = configFile ?? process.env.WEICHE_CONFIG;
  const config = file ? loadHubConfig(file) : (await demoConfig(resolve(process.env.WEICHE_DATA_DIR ?? '.weiche'))).config;
  say(describeTarget(config, file ? `config ${resolve(file)}` : 'demo defaults (no --config or WEICHE_CONFIG)'));
  return config;
}
