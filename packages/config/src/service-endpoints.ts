import { ConfigError, applyEnv, readConfigYaml } from './load.js';
import { WeicheConfig } from './schema.js';

const Endpoints = WeicheConfig.pick({ redis: true, database: true });

/** Where the hub finds Redis and PostgreSQL. */
export type ServiceEndpoints = ReturnType<typeof Endpoints.parse>;

/**
 * The Redis and PostgreSQL a hub started with this config file (or none: the defaults, as the demo) and this
 * environment will use: the file's `redis` and `database` sections, REDIS_URL / DATABASE_URL and the other
 * ENV_OVERRIDES over them, the schema's defaults for what neither gives — the hub's own resolution. Reads
 * nothing else of the file, so `scripts/check-services.mjs` can say where it looked before the hub loads
 * (and fully checks) the rest.
 */
export function serviceEndpoints(file: string | undefined, env: NodeJS.ProcessEnv = process.env): ServiceEndpoints {
  const raw = file ? readConfigYaml(file) : {};
  const copy = { redis: structuredClone(raw.redis), database: structuredClone(raw.database) } as Record<string, unknown>;
  applyEnv(copy, env);
  // the overrides of other sections (PORT, WEICHE_DATA_DIR, …) are not looked at here
  const parsed = Endpoints.safeParse({ redis: copy.redis, database: copy.database });
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${file ?? '(defaults)'}: ${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}
