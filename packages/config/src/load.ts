import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ErrorCode, Secret, WeicheError } from '@weiche/core';
import { checkDelegations } from './delegation.js';
import { resolveFitConnectUpstream } from './upstream-fit-connect-schema.js';
import { checkXtaUpstreams, resolveXtaUpstreamFiles } from './upstream-xta-schema.js';
import { ADMIN_TOKEN_MIN_LENGTH, WeicheConfig, type SecretValue, type WeicheConfigInput, type WeicheConfigParsed } from './schema.js';

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

/** Sets what ENV_OVERRIDES names from the environment into a raw (unparsed) config, in place. */
export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
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
  // each entry as `path`: the id's place in the file, so the operator finds both copies
  const unique = (entries: Array<{ id: string; path: string }>): void => {
    const seen = new Map<string, string>();
    for (const { id, path } of entries) {
      const first = seen.get(id);
      if (first !== undefined) problems.push(`${path}: duplicate id "${id}" (also ${first})`);
      else seen.set(id, path);
    }
  };
  const at = (list: string, key: string) => (id: string, i: number) => ({ id, path: `${list}.${i}.${key}` });
  unique(config.tenants.map((t) => t.id).map(at('tenants', 'id')));
  unique(config.destinations.map((d) => d.id).map(at('destinations', 'id')));
  // one namespace for both: POST /token finds a client by its id
  unique([...config.senderClients.map((c) => c.clientId).map(at('senderClients', 'clientId')), ...config.subscriberClients.map((c) => c.clientId).map(at('subscriberClients', 'clientId'))]);
  unique(config.adapters.map((a) => a.id).map(at('adapters', 'id')));
  unique(config.routes.map((r) => r.id).map(at('routes', 'id')));
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
  const relays = new Set(config.destinations.filter((d) => d.relay).map((d) => d.id));
  config.subscriberClients.forEach((c, i) =>
    c.destinations.forEach((id, j) => {
      if (!relays.has(id)) problems.push(`subscriberClients.${i}.destinations.${j}: "${id}" is no relay destination`);
    }),
  );
  config.upstreams.fitConnect.forEach((u, i) => {
    if (!tenants.has(u.tenant)) problems.push(`upstreams.fitConnect.${i}.tenant: unknown tenant "${u.tenant}"`);
  });
  config.dms.clients.forEach((c, i) =>
    c.tenants.forEach((t, j) => {
      if (!tenants.has(t)) problems.push(`dms.clients.${i}.tenants.${j}: unknown tenant "${t}"`);
    }),
  );
  config.routes.forEach((r, i) => {
    if (!tenants.has(r.tenant)) problems.push(`routes.${i}.tenant: unknown tenant "${r.tenant}"`);
    // the known ones beside it: most unknown names are typos of one of them
    if (!adapters.has(r.adapter)) problems.push(`routes.${i}.adapter: unknown adapter instance "${r.adapter}" (${adapters.size > 0 ? `known: ${[...adapters].join(', ')}` : 'none configured'})`);
  });
  problems.push(...checkXbauAuthors(config));
  problems.push(...checkXtaUpstreams(config.upstreams.xta, tenants, new Set((config.xta?.readers ?? []).map((r) => r.identifier))));
  if (config.delegations) problems.push(...checkDelegations(config.delegations, tenants, { routes: config.routes }));
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
 * Secrets the hub reads only when it builds a plugin (admin, metrics, DMS and XTA tokens): read once here,
 * so a missing file or a short admin token fails at load (and in `weiche config check`), not at the first request.
 */
function checkLaterSecrets(config: WeicheConfigParsed, baseDir: string, problems: string[]): void {
  const check = (value: SecretValue | undefined, path: string, minLength: number): void => {
    if (value === undefined || typeof value === 'string') return;
    const before = problems.length;
    const secret = readSecret(value, baseDir, path, problems);
    if (problems.length === before && secret.reveal().length < minLength) problems.push(`${path}: the file holds ${secret.reveal().length} characters, use at least ${minLength}`);
  };
  config.admin.tokens.forEach((t, i) => check(t.token, `admin.tokens.${i}.token`, ADMIN_TOKEN_MIN_LENGTH));
  check(config.admin.metricsToken, 'admin.metricsToken', 1);
  config.dms.clients.forEach((c, i) => check(c.token, `dms.clients.${i}.token`, 1));
  config.xta?.identities.forEach((x, i) => check(x.token, `xta.identities.${i}.token`, 1));
}

/** Checks a caller adds to the config's own (the hub: adapter kinds and their config schemas); each returns problems. */
export type ConfigCheck = (config: WeicheConfigParsed) => string[];

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Relative paths are resolved against this directory (the config file's). */
  baseDir?: string;
  checks?: readonly ConfigCheck[];
}

/**
 * Validates a raw config object (from YAML or built in code) with env overrides applied, and
 * reports every problem at once in a ConfigError. Relative paths are resolved against baseDir.
 */
export function resolveConfig(raw: WeicheConfigInput | Record<string, unknown>, options: ResolveOptions = {}): WeicheConfig {
  const env = options.env ?? process.env;
  const baseDir = options.baseDir ?? process.cwd();
  const copy = structuredClone(raw) as Record<string, unknown>;
  applyEnv(copy, env);
  const parsed = WeicheConfig.safeParse(copy);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues));
  const config = parsed.data;
  const problems = checkReferences(config);
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  // every file a config names is relative to the config file, wherever the hub was started
  const absFile = <T>(value: T): T => (typeof value === 'object' && value !== null && 'file' in value && typeof value.file === 'string' ? { ...value, file: abs(value.file) } : value);
  // an adapter's `path` and its `{ file }` secrets too; the callers' checks (the adapter schemas) read them
  const adapters = config.adapters.map((a) => ({
    ...a,
    config: Object.fromEntries(Object.entries(a.config).map(([key, value]) => [key, key === 'path' && typeof value === 'string' ? abs(value) : absFile(value)])),
  }));
  for (const check of options.checks ?? []) problems.push(...check({ ...config, adapters }));
  checkLaterSecrets(config, baseDir, problems);
  const senderClients = config.senderClients.map((client, i) => ({
    ...client,
    clientSecret: readSecret(client.clientSecret, baseDir, `senderClients.${i}.clientSecret`, problems),
  }));
  const subscriberClients = config.subscriberClients.map((client, i) => ({
    ...client,
    clientSecret: readSecret(client.clientSecret, baseDir, `subscriberClients.${i}.clientSecret`, problems),
  }));
  const masterKey = config.masterKey === undefined ? undefined : readSecret(config.masterKey, baseDir, 'masterKey', problems);
  const upstreams = {
    xta: resolveXtaUpstreamFiles(config.upstreams.xta, baseDir),
    fitConnect: config.upstreams.fitConnect.map((u, i) =>
      resolveFitConnectUpstream(u, (p) => (isAbsolute(p) ? p : resolve(baseDir, p)), (value, path) => readSecret(value, baseDir, path, problems), `upstreams.fitConnect.${i}`),
    ),
  };
  const previousMasterKey = config.previousMasterKey === undefined ? undefined : readSecret(config.previousMasterKey, baseDir, 'previousMasterKey', problems);
  if (problems.length > 0) throw new ConfigError(problems);
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
      ...(d.keys
        ? {
            keys: {
              ...d.keys,
              privateKeyFile: abs(d.keys.privateKeyFile),
              certificateFile: abs(d.keys.certificateFile),
              decryptOnly: d.keys.decryptOnly.map((k) => ({ privateKeyFile: abs(k.privateKeyFile), certificateFile: abs(k.certificateFile) })),
            },
          }
        : {}),
      ...(d.relay ? { relay: { encryptionKeyFile: abs(d.relay.encryptionKeyFile), signatureKeysFile: abs(d.relay.signatureKeysFile) } } : {}),
    })),
    adapters,
    senderClients,
    subscriberClients,
    masterKey,
    upstreams,
    previousMasterKey,
  };
}

/** Reads a YAML config file as a raw mapping, not yet validated; a YAML error names its position, never the line. */
export function readConfigYaml(file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    // the yaml parser quotes the offending line below its message: that line may hold a secret, so only the first line (rule and position) is kept
    throw new ConfigError([`${file}: ${(error as Error).message.split('\n')[0]?.replace(/:$/, '')}`]);
  }
  if (typeof raw !== 'object' || raw === null) throw new ConfigError([`${file}: not a YAML mapping`]);
  return raw as Record<string, unknown>;
}

/** Loads and validates a YAML config file. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env, checks: readonly ConfigCheck[] = []): WeicheConfig {
  return resolveConfig(readConfigYaml(file), { env, baseDir: dirname(resolve(file)), checks });
}
