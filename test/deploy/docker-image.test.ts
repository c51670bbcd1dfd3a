import type { Ignore } from '@balena/dockerignore';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigFile } from '@weiche/config';
import { HUB_NODE_FLAGS } from '@weiche/hub/node-flags';
import { DATABASE_URL, REDIS_URL, REFUSED_PORT, REPO_ROOT, tempDir, dropSchema } from '../support/env.js';
import { startOnFreePort } from '../support/server-on-port.js';
import { setServerPort, writeTestConfig, type TestHubConfig } from '../support/test-config.js';

// There is no Docker engine on this machine, so the image is not built here (docs/docker.md says how
// to build it where Docker runs). What can be checked without Docker is checked for real: the build
// context docker would send (.dockerignore with docker's own matching rules, @balena/dockerignore),
// the Dockerfile's promises, the entrypoint and HEALTHCHECK scripts against a real hub process, and
// the compose file with its config and secrets.
const DEPLOY = join(REPO_ROOT, 'deploy');
// a CommonJS module whose types declare an ES default export: required, so types and runtime agree
const ignore = createRequire(import.meta.url)('@balena/dockerignore') as () => Ignore;
const dockerignore = ignore().add(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'));
const inContext = (path: string): boolean => !dockerignore.ignores(path);

/** Files of the working tree that docker would send, walking as docker does (an ignored folder is not entered). */
async function contextFiles(dir = REPO_ROOT): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = relative(REPO_ROOT, join(dir, entry.name));
    if (!inContext(entry.isDirectory() ? `${path}/` : path) || !inContext(path)) continue;
    if (entry.isDirectory()) files.push(...(await contextFiles(join(dir, entry.name))));
    else files.push(path);
  }
  return files;
}

describe('build context (.dockerignore)', () => {
  it('keeps keys, local data, installed and built files, git and test output out', () => {
    for (const path of [
      '.weiche/keys/master.key',
      '.weiche/keys/signing.key.pem',
      '.weiche/schemas/xdomea/3.1.0/xdomea.xsd',
      '.weiche/demo.json',
      'node_modules/x',
      'node_modules/.pnpm/fastify@5.0.0/node_modules/fastify/package.json',
      'services/hub/node_modules/fastify/package.json',
      'services/hub/dist/main.js',
      'packages/crypto/tsconfig.tsbuildinfo',
      '.git/HEAD',
      'test/artifacts/console-ops-01.png',
      'coverage/index.html',
      'deploy/secrets/master_key',
      'deploy/secrets/redis_url',
      'somewhere/tenant.key.pem',
      'keys/portal.p12',
      '.env',
    ]) {
      expect(inContext(path), path).toBe(false);
    }
  });

  it('sends everything the build needs: every tracked file but git and CI files', () => {
    for (const path of ['services/hub/src/main.ts', 'package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'tsconfig.base.json', 'scripts/install-schemas.mjs', 'deploy/healthcheck.mjs', 'deploy/docker-entrypoint.sh', 'services/hub/src/admin/console/static/app.js']) {
      expect(inContext(path), path).toBe(true);
    }
    const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    const left = tracked.filter((path) => !inContext(path));
    expect(left.filter((path) => !/^(\.gitignore|\.ci\/.*|deploy\/secrets\/\.gitignore)$/.test(path))).toEqual([]);
  });

  it('would send no key, secret or local data of this very working tree', async () => {
    const files = await contextFiles();
    expect(files).toContain('services/hub/src/main.ts');
    expect(files.filter((f) => /(^|\/)\.weiche\/|node_modules\/|\.(pem|key|p12|pfx)$|(^|\/)secrets\/|(^|\/)dist\//.test(f))).toEqual([]);
  }, 60_000);
});

describe('Dockerfile', () => {
  const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => !l.startsWith('#'));
  const stages = text.split(/^FROM /m).slice(1);
  const final = stages[stages.length - 1] ?? '';

  it('builds on a current Node LTS pinned by digest, in stages', () => {
    const image = /^ARG NODE_IMAGE=(node:(\d+)-bookworm-slim@sha256:[0-9a-f]{64})$/m.exec(text);
    expect(image?.[1]).toBeDefined();
    // even majors are the LTS lines; 22 and newer are supported
    expect(Number(image?.[2]) % 2).toBe(0);
    expect(Number(image?.[2])).toBeGreaterThanOrEqual(22);
    // every stage starts from the pinned image, from nothing, or from an earlier stage
    const earlier: string[] = [];
    for (const from of lines.filter((l) => l.startsWith('FROM '))) {
      const [, base, name] = /^FROM (\S+)(?: AS ([\w-]+))?$/.exec(from) ?? [];
      expect(['${NODE_IMAGE}', 'scratch', ...earlier], from).toContain(base);
      if (name) earlier.push(name);
    }
    expect(stages.map((s) => /AS ([\w-]+)/.exec(s.split('\n')[0] ?? '')?.[1])).toEqual(['schema-mirror', 'base', 'build', undefined]);
  });

  it('installs with pnpm through corepack and leaves dev dependencies in the build stage', () => {
    expect(text).toMatch(/^RUN corepack enable$/m);
    expect(text).toContain('pnpm install --offline --frozen-lockfile');
    // the last install of the build stage is production-only, after the compiler ran
    const build = stages.find((s) => s.startsWith('base AS build')) ?? '';
    expect(build.lastIndexOf('install --prod')).toBeGreaterThan(build.indexOf('tsc -b'));
    // the final stage installs nothing from npm and takes only the build stage's tree
    expect(final).not.toMatch(/pnpm|npm (ci|install)/);
    expect(final).toMatch(/^COPY --from=build /m);
  });

  it('runs as node (not root) under tini, with a HEALTHCHECK on /readyz', () => {
    expect(final).toMatch(/^USER node$/m);
    expect(final.indexOf('USER node')).toBeLessThan(final.indexOf('CMD '));
    expect(final).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "\/app\/deploy\/docker-entrypoint\.sh"\]$/m);
    // started with the hub's Node flags (V8 sizes its heap at start; the hub cannot set them itself)
    expect(final).toContain(`CMD [${['node', ...HUB_NODE_FLAGS, 'services/hub/dist/main.js'].map((a) => JSON.stringify(a)).join(', ')}]\n`);
    expect(final).toMatch(/^HEALTHCHECK .*CMD \["node", "deploy\/healthcheck\.mjs"\]$/m);
    expect(readFileSync(join(DEPLOY, 'healthcheck.mjs'), 'utf8')).toContain('/readyz');
  });
});

// The image's start path without Docker: the entrypoint script starts the built hub (as the image's
// CMD does), the HEALTHCHECK script asks it, and SIGTERM to the entrypoint's pid reaches node.
describe('entrypoint and HEALTHCHECK against a real hub process', () => {
  let cfg: TestHubConfig;
  let port: number;
  let child: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;

  const healthcheck = (env: Record<string, string>): number => {
    try {
      execFileSync(process.execPath, [join(DEPLOY, 'healthcheck.mjs')], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe', timeout: 20_000 });
      return 0;
    } catch (error) {
      return (error as { status: number }).status;
    }
  };

  beforeAll(async () => {
    const dir = await tempDir('docker-start');
    // the config names unreachable services: only the *_URL_FILE secrets make the hub ready
    cfg = await writeTestConfig(dir, { redisUrl: `redis://127.0.0.1:${REFUSED_PORT}` });
    const raw = cfg.raw as { database: { url: string } };
    raw.database.url = `postgres://postgres@127.0.0.1:${REFUSED_PORT}/postgres`;
    await writeFile(join(dir, 'redis_url'), REDIS_URL());
    await writeFile(join(dir, 'database_url'), `${DATABASE_URL()}\n`);
    const { REDIS_URL: _redis, DATABASE_URL: _database, ...inherited } = process.env;
    // on a port of its own: started again on a new one when a test file beside took the port first
    ({ child, port } = await startOnFreePort({
      name: 'hub (docker-entrypoint.sh)',
      spawn: async (p) => {
        await setServerPort(cfg, p);
        output = '';
        const started = spawn('sh', [join(DEPLOY, 'docker-entrypoint.sh'), process.execPath, ...HUB_NODE_FLAGS, 'services/hub/dist/main.js', '--config', cfg.file], {
          cwd: REPO_ROOT,
          env: { ...inherited, LOG_LEVEL: 'info', REDIS_URL_FILE: join(dir, 'redis_url'), DATABASE_URL_FILE: join(dir, 'database_url') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        exited = new Promise((resolve) => started.once('exit', (code) => resolve(code)));
        return started;
      },
      listening: () => /weiche hub started/,
      portInUse: /EADDRINUSE/,
      timeoutMs: 120_000,
    }));
  }, 150_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    if (cfg) await dropSchema(cfg.schema);
  });

  it('execs node in place of the shell (so signals reach it), with the URLs from the secret files', async () => {
    const cmdline = (await readFile(`/proc/${child.pid ?? 0}/cmdline`, 'utf8')).split('\0');
    expect(cmdline.slice(0, 2 + HUB_NODE_FLAGS.length)).toEqual([process.execPath, ...HUB_NODE_FLAGS, 'services/hub/dist/main.js']);
  });

  it('reports healthy while /readyz answers 200, unhealthy on 503 and when nothing answers', async () => {
    expect(healthcheck({ PORT: String(port) })).toBe(0);
    // a worker-only setting names a port nothing listens on: the check falls through to PORT
    expect(healthcheck({ PORT: String(port), WEICHE_HEALTH_PORT: String(REFUSED_PORT) })).toBe(0);
    expect(healthcheck({ PORT: String(REFUSED_PORT) })).toBe(1);
    // without PORT: the port of the config file the hub was started with, as the hub reads it
    expect(healthcheck({ WEICHE_CONFIG: cfg.file })).toBe(0);
    expect(healthcheck({ WEICHE_CONFIG: cfg.file, PORT: String(REFUSED_PORT) })).toBe(1);
    // the blob store cannot write: /readyz answers 503
    const blobTmp = join(cfg.dir, 'data', 'blobs', 'tmp');
    await rm(blobTmp, { recursive: true, force: true });
    await writeFile(blobTmp, 'not a folder');
    expect(healthcheck({ PORT: String(port) })).toBe(1);
    await rm(blobTmp);
    await mkdir(blobTmp);
    expect(healthcheck({ PORT: String(port) })).toBe(0);
  }, 90_000);

  it('drains and exits 0 on SIGTERM sent to the pid the entrypoint was started as', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('stopping: draining workers');
  }, 60_000);
});

describe('docker-compose.yml', () => {
  interface Service {
    image?: string;
    build?: { context: string; dockerfile: string };
    command?: string[];
    environment?: Record<string, string>;
    secrets?: Array<string | { source: string; target?: string }>;
    volumes?: string[];
    healthcheck?: { test: string[] };
    profiles?: string[];
  }
  const compose = parse(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>; secrets: Record<string, { file: string }> };
  const hub = compose.services.hub as Service;

  it('gives every service a healthcheck, Redis a password and the hub a mounted config', () => {
    for (const [name, service] of Object.entries(compose.services)) expect(service.healthcheck?.test.length, name).toBeGreaterThan(1);
    expect(compose.services.redis?.command?.join(' ')).toMatch(/--requirepass "\$\$\(cat \/run\/secrets\/redis_password\)"/);
    expect(compose.services.redis?.healthcheck?.test.join(' ')).toContain('REDISCLI_AUTH');
    expect(hub.volumes).toContain(`./compose/weiche.yaml:${hub.environment?.WEICHE_CONFIG ?? '?'}:ro`);
    expect(hub.build).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
  });

  it('takes every password, token and key from a secret file, none from the environment', async () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/PASSWORD|SECRET|TOKEN|KEY|_URL$/.test(key)) expect(`${name}.${key}`).toMatch(/_FILE$/);
        expect(value, `${name}.${key}`).not.toMatch(/:\/\/[^/]*:[^@/]+@/);
      }
    }
    for (const [name, secret] of Object.entries(compose.secrets)) expect(secret.file, name).toBe(`./secrets/${name}`);
    // every secret file the mounted config names is one mounted into the hub
    const config = await readFile(join(DEPLOY, 'compose', 'weiche.yaml'), 'utf8');
    const named = [...config.matchAll(/\/run\/secrets\/(\w+)/g)].map((m) => m[1]);
    const mounted = (hub.secrets ?? []).map((s) => (typeof s === 'string' ? s : (s.target ?? s.source)));
    expect(named.length).toBeGreaterThan(3);
    for (const secret of named) expect(mounted, secret).toContain(secret);
  });

  it('make-secrets.sh writes every declared secret; with them the hub accepts the mounted config', async () => {
    const dir = await tempDir('compose-secrets');
    await copyFile(join(DEPLOY, 'make-secrets.sh'), join(dir, 'make-secrets.sh'));
    execFileSync('sh', [join(dir, 'make-secrets.sh')], { stdio: 'pipe' });
    const secrets = join(dir, 'secrets');
    for (const name of Object.keys(compose.secrets)) expect((await readFile(join(secrets, name), 'utf8')).length, name).toBeGreaterThanOrEqual(16);
    const read = (name: string): Promise<string> => readFile(join(secrets, name), 'utf8');
    expect(await read('redis_url')).toBe(`redis://:${await read('redis_password')}@redis:6379`);
    expect(await read('database_url')).toBe(`postgres://weiche:${await read('postgres_password')}@postgres:5432/weiche`);
    // running it again keeps the secrets
    const before = await read('admin_token');
    execFileSync('sh', [join(dir, 'make-secrets.sh')], { stdio: 'pipe' });
    expect(await read('admin_token')).toBe(before);
    // the compose config with the secrets where the containers see them
    const config = (await readFile(join(DEPLOY, 'compose', 'weiche.yaml'), 'utf8')).replaceAll('/run/secrets/', `${secrets}/`);
    await writeFile(join(dir, 'weiche.yaml'), config);
    const loaded = loadConfigFile(join(dir, 'weiche.yaml'), { WEICHE_DATA_DIR: join(dir, 'data'), REDIS_URL: await read('redis_url'), DATABASE_URL: await read('database_url') });
    expect(loaded.masterKey?.reveal()).toBe(await read('master_key'));
    expect(Buffer.from(await read('master_key'), 'base64')).toHaveLength(32);
    expect(loaded.admin.tokens[0]?.role).toBe('operator');
    expect(loaded.redis.url).toContain('@redis:6379');
  });
});
