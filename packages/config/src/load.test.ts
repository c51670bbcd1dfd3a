import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { filingFor } from './filing.js';
import { ConfigError, loadConfigFile, resolveConfig, type ConfigCheck } from './load.js';
import { FIXTURE_DESTINATION_ID as destinationId, validConfigInput as valid } from './test-fixtures.js';

describe('config', () => {
  it('applies defaults, env overrides and resolves paths', () => {
    const config = resolveConfig(valid, { env: { PORT: '9999', DATABASE_URL: 'postgres://x@db/y' }, baseDir: '/etc/weiche' });
    expect(config.server.port).toBe(9999);
    expect(config.database.url).toBe('postgres://x@db/y');
    expect(config.destinations[0]?.keys?.privateKeyFile).toBe('/etc/weiche/keys/d.key.pem');
    expect(config.adapters[0]?.config.path).toBe('/etc/weiche/outbox');
    expect(config.adapters[0]?.retry.attempts).toBe(8);
  });

  it('takes relay destinations (keys or relay, never both) and subscriber clients of relay destinations only', () => {
    const relayId = '7c0a4a34-1b2c-4d5e-8f90-0a1b2c3d4e5f';
    const relay = { id: relayId, tenant: 'musterstadt', relay: { encryptionKeyFile: 'keys/sub.enc.json', signatureKeysFile: 'keys/sub.sig.json' }, services: valid.destinations[0]!.services };
    const subscriber = { clientId: 'fachverfahren', clientSecret: 'another-s3cret', name: 'Fachverfahren', destinations: [relayId] };
    const config = resolveConfig({ ...valid, destinations: [...valid.destinations, relay], subscriberClients: [subscriber] }, { baseDir: '/etc/weiche' });
    expect(config.destinations[1]?.relay).toEqual({ encryptionKeyFile: '/etc/weiche/keys/sub.enc.json', signatureKeysFile: '/etc/weiche/keys/sub.sig.json' });
    expect(config.destinations[1]?.keys).toBeUndefined();
    expect(config.subscriberClients[0]?.clientSecret.reveal()).toBe('another-s3cret');
    const both = { ...relay, keys: valid.destinations[0]!.keys };
    expect(() => resolveConfig({ ...valid, destinations: [...valid.destinations, both] })).toThrow(/either keys .* or relay/);
    const { relay: _none, ...neither } = relay;
    expect(() => resolveConfig({ ...valid, destinations: [...valid.destinations, neither] })).toThrow(/either keys .* or relay/);
    expect(() => resolveConfig({ ...valid, subscriberClients: [{ ...subscriber, destinations: [destinationId] }] })).toThrow(/subscriberClients\.0\.destinations\.0: .* is no relay destination/);
    expect(() => resolveConfig({ ...valid, destinations: [...valid.destinations, relay], subscriberClients: [{ ...subscriber, clientId: 'portal' }] })).toThrow(/duplicate/i);
  });

  it('keeps destination ids in lower case, as the API reads them in any capitals (RFC 9562)', () => {
    const upper = destinationId.toUpperCase();
    const config = resolveConfig({
      ...valid,
      destinations: valid.destinations.map((d) => ({ ...d, id: upper })),
      senderClients: valid.senderClients.map((c) => ({ ...c, destinations: [upper] })),
    });
    expect(config.destinations[0]?.id).toBe(destinationId);
    expect(config.senderClients[0]?.destinations).toEqual([destinationId]);
  });

  it('relay submissions expire after 14 days unless processing.relayRetentionMs says otherwise (FIT-Connect: rejected after 14 days)', () => {
    expect(resolveConfig(valid).processing.relayRetentionMs).toBe(14 * 24 * 3600 * 1000);
    // a processing section that names other fields only still gets the default
    expect(resolveConfig({ ...valid, processing: { concurrency: 2 } }).processing.relayRetentionMs).toBe(14 * 24 * 3600 * 1000);
    expect(resolveConfig({ ...valid, processing: { relayRetentionMs: 3_600_000 } }).processing.relayRetentionMs).toBe(3_600_000);
    expect(() => resolveConfig({ ...valid, processing: { relayRetentionMs: 0 } })).toThrow(/relayRetentionMs/);
  });

  it('refuses metadata and data limits whose JWEs could never be read from one JSON body (at most 64 MiB and 256 MiB)', () => {
    expect(resolveConfig({ ...valid, limits: { metadataBytes: 64 * 1024 * 1024, dataBytes: 256 * 1024 * 1024 } }).limits.dataBytes).toBe(256 * 1024 * 1024);
    expect(() => resolveConfig({ ...valid, limits: { dataBytes: 1024 * 1024 * 1024 } })).toThrow(/limits\.dataBytes/);
    expect(() => resolveConfig({ ...valid, limits: { metadataBytes: 64 * 1024 * 1024 + 1 } })).toThrow(/limits\.metadataBytes/);
  });

  it('needs a real Behördenkennung for a portal whose tenant has an XBau route, and invents none', () => {
    expect(resolveConfig(valid).senderClients[0]?.behoerdenkennung).toBeUndefined();
    const xbau = { ...valid, routes: [...valid.routes, { id: 'r2', tenant: 'musterstadt', service: '*', target: 'xbau-2.6:baugenehmigung.antrag.0200', adapter: 'dms' }] };
    expect(() => resolveConfig(xbau)).toThrow(/senderClients\.0\.behoerdenkennung: required, tenant "musterstadt" has an XBau route/);
    const named = { ...xbau, senderClients: [{ ...valid.senderClients[0]!, behoerdenkennung: 'psw:01000001' }] };
    expect(resolveConfig(named).senderClients[0]?.behoerdenkennung).toBe('psw:01000001');
  });

  it('finds the filing metadata of a service, falling back to the "*" entry', () => {
    const tenants = [{ ...valid.tenants[0]!, filing: [{ service: '*', vorgangstyp: 'Antrag' }, { service: 'urn:de:fim:leika:leistung:99010003001006', aktenplaneinheit: '63.01.02', vorgangstyp: 'Bauantrag' }] }];
    const tenant = resolveConfig({ ...valid, tenants }).tenants[0]!;
    expect(filingFor(tenant, 'urn:de:fim:leika:leistung:99010003001006')).toEqual({ aktenplaneinheit: '63.01.02', vorgangstyp: 'Bauantrag' });
    expect(filingFor(tenant, 'urn:other')).toEqual({ vorgangstyp: 'Antrag' });
    expect(filingFor(resolveConfig(valid).tenants[0]!, 'urn:other')).toBeUndefined();
  });

  it('reports every problem at once', () => {
    const broken = {
      ...valid,
      tenants: [{ id: 'Bad Id', name: '', behoerdenkennung: 'nope' }],
      routes: [{ id: 'r1', tenant: 'musterstadt', service: '*', target: 'xdomea-3.1.0:0401', adapter: 'missing' }],
    };
    const error = (() => {
      try {
        resolveConfig(broken, { env: {} });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems.join('\n')).toMatch(/tenants\.0\.id/);
    expect(error.problems.join('\n')).toMatch(/tenants\.0\.name/);
    expect(error.problems.join('\n')).toMatch(/tenants\.0\.behoerdenkennung/);

    const refs = (() => {
      try {
        resolveConfig({ ...valid, routes: [{ ...valid.routes[0], adapter: 'missing', tenant: 'nobody' }] }, { env: {} });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(refs.problems).toHaveLength(2);
  });

  it('never prints secrets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    await writeFile(join(dir, 'secret.txt'), 'from-file-secret\n');
    const file = join(dir, 'weiche.yaml');
    await writeFile(
      file,
      `tenants:\n  - { id: t, name: T, behoerdenkennung: "ags:05974028" }\ndestinations:\n  - id: ${destinationId}\n    tenant: t\n    keys: { privateKeyFile: k, certificateFile: c }\n    services: [{ identifier: "urn:de:fim:leika:leistung:1", name: S }]\nsenderClients:\n  - { clientId: portal, name: P, clientSecret: { file: secret.txt }, destinations: ["${destinationId}"] }\n`,
    );
    const config = loadConfigFile(file, {});
    expect(config.senderClients[0]?.clientSecret.reveal()).toBe('from-file-secret');
    const printed = JSON.stringify(config) + inspect(config, { depth: 10 }) + String(config.senderClients[0]?.clientSecret);
    expect(printed).not.toContain('from-file-secret');
  });

  it('names a YAML syntax error by line and column without quoting the line (it may hold a secret)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-yaml-'));
    const file = join(dir, 'weiche.yaml');
    await writeFile(file, 'senderClients:\n  - { clientId: p, clientSecret: "hunter2-secret-value", name: P destinations: [x] \n');
    expect(() => loadConfigFile(file, {})).toThrow(/weiche\.yaml: .* at line 2, column \d+/);
    expect(() => loadConfigFile(file, {})).not.toThrow(/hunter2/);
  });

  it('resolves the files named in admin and xta sections against the config file folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-admin-'));
    await mkdir(join(dir, 'secrets'));
    await writeFile(join(dir, 'secrets', 'ops-token'), `${'x'.repeat(40)}\n`);
    const config = resolveConfig(
      {
        ...valid,
        admin: { tokens: [{ token: { file: 'secrets/ops-token' }, subject: 'ops', role: 'operator' }], oidc: { issuer: 'https://idp', audience: 'weiche', jwksFile: 'jwks.json' } },
        xta: { readers: [{ identifier: 'ags:05974028', tenant: 'musterstadt', keystore: { pkcs12File: 'keys/reader.p12', passwordFile: 'secrets/reader.pw' } }] },
      },
      { env: {}, baseDir: dir },
    );
    expect(config.admin.tokens[0]?.token).toEqual({ file: join(dir, 'secrets/ops-token') });
    expect(config.admin.oidc?.jwksFile).toBe(join(dir, 'jwks.json'));
    expect(config.xta?.readers[0]?.keystore).toMatchObject({ pkcs12File: join(dir, 'keys/reader.p12'), passwordFile: join(dir, 'secrets/reader.pw') });
  });

  it('refuses unknown keys anywhere, naming their path', () => {
    const problems = problemsOf({ ...valid, colour: 'blue', tenants: [{ ...valid.tenants[0]!, ags2: '1' }], adapters: [{ ...valid.adapters[0]!, retry: { attempts: 3, backof: 10 } }] });
    expect(problems).toContain('(root): Unrecognized key: "colour"');
    expect(problems).toContain('tenants.0: Unrecognized key: "ags2"');
    expect(problems).toContain('adapters.0.retry: Unrecognized key: "backof"');
  });

  it('refuses short admin tokens, inline or from a file, and unreadable token files, without printing them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-token-'));
    await writeFile(join(dir, 'short'), 'short-file-token\n');
    const problems = problemsOf(
      {
        ...valid,
        admin: {
          tokens: [
            { token: 'abc', subject: 'a', role: 'operator' },
            { token: { file: 'short' }, subject: 'b', role: 'operator' },
            { token: { file: 'missing' }, subject: 'c', role: 'operator' },
            { token: 'y'.repeat(32), subject: 'd', role: 'operator' },
          ],
        },
      },
      dir,
    );
    expect(problems).toEqual([
      'admin.tokens.0.token: use at least 32 characters (e.g. openssl rand -hex 32)',
    ]);
    // the schema problem stops before files are read; with the inline token fixed, the file problems show
    const fileProblems = problemsOf({ ...valid, admin: { tokens: [{ token: { file: 'short' }, subject: 'b', role: 'operator' }, { token: { file: 'missing' }, subject: 'c', role: 'operator' }] } }, dir);
    expect(fileProblems).toEqual(['admin.tokens.0.token: the file holds 16 characters, use at least 32', `admin.tokens.1.token: cannot read secret file ${join(dir, 'missing')}`]);
    expect(fileProblems.join('\n')).not.toContain('short-file-token');
  });

  it('runs the checks a caller adds (the hub: adapter kinds) together with its own', () => {
    const problems = problemsOf({ ...valid, routes: [{ ...valid.routes[0]!, adapter: 'missing' }] }, undefined, [(c) => c.adapters.map((a, i) => `adapters.${i}.kind: checked ${a.kind}`)]);
    expect(problems).toEqual(['routes.0.adapter: unknown adapter instance "missing" (known: dms)', 'adapters.0.kind: checked dms-folder']);
  });
});

function problemsOf(raw: Record<string, unknown>, baseDir?: string, checks: readonly ConfigCheck[] = []): string[] {
  try {
    resolveConfig(raw, { env: {}, checks, ...(baseDir !== undefined ? { baseDir } : {}) });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
