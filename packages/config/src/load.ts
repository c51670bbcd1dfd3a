import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ErrorCode, Secret, WeicheError } from '@weiche/core';
import { WeicheConfig, type SecretValue, type WeicheConfigInput, type WeicheConfigParsed } from './schema.js';

/** Environment variables that override the file (documented in README, "Configuration"). */
export const ENV_OVERRIDES = {
  PORT: 'server.port',
  HOST: 'server.host',
  PUBLIC_BASE_URL: 'server.publicBaseUrl',
  WEICHE_HEALTH_PORT: 'server.healthPort',
  WEICHE_SHUTDOWN_TIMEOUT_MS: 'server.shutdownTimeoutMs',
  REDIS_URL: 'redis.url',
  WEICHE_REDIS_PREFIX: 'redis.prefix',
  DATABASE_URL: 'database.url',
  WEICHE_DB_SCHEMA: 'database.schema',
  WEICHE_DATA_DIR: 'dataDir',
} as const;

const NUMERIC_ENV = new Set<string>(['PORT', 'WEICHE_HEALTH_PORT', 'WEICHE_SHUTDOWN_TIMEOUT_MS']);

export class ConfigError extends WeicheError {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(ErrorCode.CONFIG_INVALID, `configuration invalid:\n  - ${problems.join('\n  - ')}`, { retryable: false });
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [name, path] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(raw, path, NUMERIC_ENV.has(name) ? Number(value) : value);
  }
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

/** Cross-references the schema cannot see: every id that is named must exist, ids are unique. */
function checkReferences(config: WeicheConfigParsed): string[] {
  const problems: string[] = [];
  const unique = (what: string, ids: string[]): void => {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) problems.push(`${what}: duplicate id "${id}"`);
      seen.add(id);
    }
  };
  unique('tenants', config.tenants.map((t) => t.id));
  unique('destinations', config.destinations.map((d) => d.id));
  unique('senderClients', config.senderClients.map((c) => c.clientId));
  unique('adapters', config.adapters.map((a) => a.id));
  unique('routes', config.routes.map((r) => r.id));
  const tenants = new Set(config.tenants.map((t) => t.id));
  const destinations = new Set(config.destinations.map((d) => d.id));
  const adapters = new Set(config.adapters.map((a) => a.id));
  config.destinations.forEach((d, i) => {
    if (!tenants.has(d.tenant)) problems.push(`destinations.${i}.tenant: unknown tenant "${d.tenant}"`);
  });
  config.senderClients.forEach((c, i) =>
    c.destinations.forEach((id, j) => {
      if (!destinations.has(id)) problems.push(`senderClients.${i}.destinations.${j}: unknown destination "${id}"`);
    }),
  );
  config.dms.clients.forEach((c, i) =>
    c.tenants.forEach((t, j) => {
      if (!tenants.has(t)) problems.push(`dms.clients.${i}.tenants.${j}: unknown tenant "${t}"`);
    }),
  );
  config.routes.forEach((r, i) => {
    if (!tenants.has(r.tenant)) problems.push(`routes.${i}.tenant: unknown tenant "${r.tenant}"`);
    if (!adapters.has(r.adapter)) problems.push(`routes.${i}.adapter: unknown adapter instance "${r.adapter}"`);
  });
  problems.push(...checkXbauAuthors(config));
  return problems;
}

// An XBau message names its autor, and the Fachverfahren answers to it: a portal that can reach a
// tenant with an XBau route needs its real Behördenkennung in the config (never a placeholder).
function checkXbauAuthors(config: WeicheConfigParsed): string[] {
  const xbauTenants = new Set(config.routes.filter((r) => r.target.startsWith('xbau-')).map((r) => r.tenant));
  const tenantOf = new Map(config.destinations.map((d) => [d.id, d.tenant]));
  const problems: string[] = [];
  config.senderClients.forEach((c, i) => {
    if (c.behoerdenkennung !== undefined) return;
    const tenant = c.destinations.map((d) => tenantOf.get(d)).find((t) => t !== undefined && xbauTenants.has(t));
    if (tenant) problems.push(`senderClients.${i}.behoerdenkennung: required, tenant "${tenant}" has an XBau route (the XBau autor)`);
  });
  return problems;
}

function readSecret(value: SecretValue, baseDir: string, path: string, problems: string[]): Secret {
  if (typeof value === 'string') return new Secret(value);
  const file = isAbsolute(value.file) ? value.file : resolve(baseDir, value.file);
  try {
    return new Secret(readFileSync(file, 'utf8').trim());
  } catch {
    // the file name is not secret; its content would be
    problems.push(`${path}: cannot read secret file ${file}`);
    return new Secret('');
  }
}

/**
 * Validates a raw config object (from YAML or built in code) with env overrides applied, and
 * reports every problem at once in a ConfigError. Relative paths are resolved against baseDir.
 */
export function resolveConfig(raw: WeicheConfigInput | Record<string, unknown>, options: { env?: NodeJS.ProcessEnv; baseDir?: string } = {}): WeicheConfig {
  const env = options.env ?? process.env;
  const baseDir = options.baseDir ?? process.cwd();
  const copy = structuredClone(raw) as Record<string, unknown>;
  applyEnv(copy, env);
  const parsed = WeicheConfig.safeParse(copy);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues));
  const config = parsed.data;
  const problems = checkReferences(config);
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const senderClients = config.senderClients.map((client, i) => ({
    ...client,
    clientSecret: readSecret(client.clientSecret, baseDir, `senderClients.${i}.clientSecret`, problems),
  }));
  const masterKey = config.masterKey === undefined ? undefined : readSecret(config.masterKey, baseDir, 'masterKey', problems);
  const previousMasterKey = config.previousMasterKey === undefined ? undefined : readSecret(config.previousMasterKey, baseDir, 'previousMasterKey', problems);
  if (problems.length > 0) throw new ConfigError(problems);
  // every file a config names is relative to the config file, wherever the hub was started
  const absFile = <T>(value: T): T => (typeof value === 'object' && value !== null && 'file' in value && typeof value.file === 'string' ? { ...value, file: abs(value.file) } : value);
  const { oidc, metricsToken } = config.admin;
  const admin = {
    ...config.admin,
    tokens: config.admin.tokens.map((t) => ({ ...t, token: absFile(t.token) })),
    ...(metricsToken !== undefined ? { metricsToken: absFile(metricsToken) } : {}),
    ...(oidc ? { oidc: { ...oidc, ...(oidc.jwksFile !== undefined ? { jwksFile: abs(oidc.jwksFile) } : {}) } } : {}),
  };
  const xta = config.xta && {
    ...config.xta,
    identities: config.xta.identities.map((i) => (i.token === undefined ? i : { ...i, token: absFile(i.token) })),
    readers: config.xta.readers.map((r) => ({ ...r, keystore: { ...r.keystore, pkcs12File: abs(r.keystore.pkcs12File), passwordFile: abs(r.keystore.passwordFile) } })),
  };
  const audit = {
    ...config.audit,
    ...(config.audit.evidenceKeyFile !== undefined ? { evidenceKeyFile: abs(config.audit.evidenceKeyFile) } : {}),
    retiredEvidenceKeyFiles: config.audit.retiredEvidenceKeyFiles.map(abs),
  };
  const dms = { clients: config.dms.clients.map((c) => ({ ...c, token: absFile(c.token) })) };
  const { previousMasterKey: _rawPrevious, ...rest } = config;
  return {
    ...rest,
    admin,
    audit,
    dms,
    ...(xta ? { xta } : {}),
    dataDir: abs(config.dataDir),
    keyExpiry: { ...config.keyExpiry, certificates: config.keyExpiry.certificates.map((c) => ({ ...c, file: abs(c.file) })) },
    destinations: config.destinations.map((d) => ({
      ...d,
      keys: {
        ...d.keys,
        privateKeyFile: abs(d.keys.privateKeyFile),
        certificateFile: abs(d.keys.certificateFile),
        decryptOnly: d.keys.decryptOnly.map((k) => ({ privateKeyFile: abs(k.privateKeyFile), certificateFile: abs(k.certificateFile) })),
      },
    })),
    adapters: config.adapters.map((a) =>
      typeof a.config.path === 'string' ? { ...a, config: { ...a.config, path: abs(a.config.path) } } : a,
    ),
    senderClients,
    masterKey,
    previousMasterKey,
  };
}

/** Loads and validates a YAML config file. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): WeicheConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`${file}: ${(error as Error).message}`]);
  }
  if (typeof raw !== 'object' || raw === null) throw new ConfigError([`${file}: not a YAML mapping`]);
  return resolveConfig(raw as Record<string, unknown>, { env, baseDir: dirname(resolve(file)) });
}
