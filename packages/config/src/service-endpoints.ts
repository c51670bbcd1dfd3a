import { ConfigError, applyEnv, readConfigYaml } from './load.js';
import { WeicheConfig } from './schema.js';

const Endpoints = WeicheConfig.pick({ server: true, redis: true, database: true });

/** Where the hub finds Redis and PostgreSQL, and where it listens. */
export type ServiceEndpoints = ReturnType<typeof Endpoints.parse>;

/**
 * The Redis and PostgreSQL a hub started with this config file (or none: the defaults, as the demo) and this
 * environment will use, and the ports it listens on: the file's `server`, `redis` and `database` sections,
 * PORT, WEICHE_HEALTH_PORT, REDIS_URL, DATABASE_URL and the other ENV_OVERRIDES over them, the schema's
 * defaults for what neither gives — the hub's own resolution. Reads nothing else of the file, so
 * `scripts/check-services.mjs` and the image's HEALTHCHECK (`deploy/healthcheck.mjs`) look where the hub does
 * without loading (and fully checking) the rest.
 */
export function serviceEndpoints(file: string | undefined, env: NodeJS.ProcessEnv = process.env): ServiceEndpoints {
  const raw = file ? readConfigYaml(file) : {};
  const copy = { server: structuredClone(raw.server), redis: structuredClone(raw.redis), database: structuredClone(raw.database) } as Record<string, unknown>;
  applyEnv(copy, env);
  // the overrides of other sections (WEICHE_DATA_DIR) are not looked at here
  const parsed = Endpoints.safeParse({ server: copy.server, redis: copy.redis, database: copy.database });
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${file ?? '(defaults)'}: ${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}
