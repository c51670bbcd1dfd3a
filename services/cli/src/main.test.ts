import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const cli = join(import.meta.dirname, '..', 'dist', 'main.js');
const hubMain = join(import.meta.dirname, '..', '..', 'hub', 'dist', 'main.js');

function weiche(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run([cli, ...args]);
}

async function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// runs the built command (npm test builds before testing), as an operator would
describe('weiche CLI', () => {
  it('config check lists every problem of a broken file and exits 1, without printing secrets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-'));
    const file = join(dir, 'weiche.yaml');
    await writeFile(
      file,
      'tenants:\n  - { id: "Not Valid", name: "", behoerdenkennung: "x" }\nsenderClients:\n  - { clientId: p1, name: P, clientSecret: "super-secret-value", destinations: ["not-a-uuid"] }\n',
    );
    const result = await weiche('config', 'check', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/tenants\.0\.id/);
    expect(result.stderr).toMatch(/tenants\.0\.name/);
    expect(result.stderr).toMatch(/senderClients\.0\.destinations\.0/);
    expect(result.stderr + result.stdout).not.toContain('super-secret-value');
  });

  it('keys generate writes an RSA-4096 key pair and names its kid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-keys-'));
    const result = await weiche('keys', 'generate', '--out', join(dir, 'k'), '--cn', 'Test');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/kid [A-Za-z0-9_-]{32}\)/);
  });

  it('config check refuses what the hub refuses: unknown adapter kinds, adapter configs, unknown keys, short admin tokens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-check-'));
    const file = join(dir, 'weiche.yaml');
    await writeFile(join(dir, 'ops.token'), 'too-short-token-value\n');
    await writeFile(
      file,
      [
        'tenants:',
        '  - { id: t1, name: T, behoerdenkennung: "ags:05974028", colour: blue }',
        'adapters:',
        '  - { id: a1, kind: htp, config: {} }',
        '  - { id: a2, kind: http, config: { url: "ftp://x" } }',
        '  - { id: a3, kind: dms-folder, config: { path: out, pathh: typo } }',
        'routes:',
        '  - { id: r1, tenant: t1, service: "*", target: "xdomea-3.1.0:0401", adapter: nope }',
        'admin:',
        '  tokens:',
        '    - { token: { file: ops.token }, subject: ops, role: operator }',
        '',
      ].join('\n'),
    );
    const unknownKey = await weiche('config', 'check', file);
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toContain('tenants.0: Unrecognized key: "colour"');
    await writeFile(file, (await readFile(file, 'utf8')).replace(', colour: blue', ''));
    const result = await weiche('config', 'check', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('adapters.0.kind: unknown adapter kind "htp"');
    expect(result.stderr).toContain('adapters.1.config.url: Invalid URL');
    expect(result.stderr).toContain('adapters.1.config.secret: required: the secret inline or as { file: path }');
    expect(result.stderr).toContain('adapters.2.config: Unrecognized key: "pathh"');
    expect(result.stderr).toContain('routes.0.adapter: unknown adapter instance "nope"');
    expect(result.stderr).toContain('admin.tokens.0.token: the file holds 21 characters, use at least 32');
    expect(result.stderr + result.stdout).not.toContain('too-short-token-value');

    const inline = await writeConfig(dir, 'admin:\n  tokens:\n    - { token: abc, subject: ops, role: operator }\n');
    expect((await weiche('config', 'check', inline)).stderr).toContain('admin.tokens.0.token: use at least 32 characters');
    // an adapter's secret from a file, relative to the config file: read and checked, never printed
    const fromFile = await writeConfig(dir, 'adapters:\n  - { id: api, kind: http, config: { url: "https://fv.example/in", secret: { file: hmac.secret } } }\n');
    const missing = await weiche('config', 'check', fromFile);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`adapters.0.config.secret: cannot read secret file ${join(dir, 'hmac.secret')}`);
    await writeFile(join(dir, 'hmac.secret'), 'short\n');
    expect((await weiche('config', 'check', fromFile)).stderr).toContain('adapters.0.config.secret: use at least 16 characters for the HMAC secret (the file holds 5)');
    await writeFile(join(dir, 'hmac.secret'), `${'h'.repeat(24)}\n`);
    const read = await weiche('config', 'check', fromFile);
    expect(read.code).toBe(0);
    expect(read.stdout + read.stderr).not.toContain('h'.repeat(24));
    const ok = await writeConfig(dir, `adapters:\n  - { id: api, kind: http, config: { url: "https://fv.example/in", secret: "${'s'.repeat(20)}" } }\n`);
    const passed = await weiche('config', 'check', ok);
    expect(passed.stdout).toContain('ok: 1 tenant(s), 0 destination(s), 1 adapter instance(s)');
    expect(passed.code).toBe(0);
    expect(passed.stdout + passed.stderr).not.toContain('s'.repeat(20));
  });

  it('config check and the hub at start refuse a bad file with the same problems (one validation)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-same-'));
    const file = await writeConfig(dir, 'adapters:\n  - { id: a1, kind: htp, config: {} }\n  - { id: a2, kind: http, config: { url: "ftp://x" } }\nadmin:\n  tokens:\n    - { token: abcdefabcdefabcdefabcdefabcdefabcdef, subject: s, role: operator, extra: 1 }\n');
    const problems = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('  - ')).sort();
    const check = await weiche('config', 'check', file);
    expect(check.code).toBe(1);
    expect(problems(check.stderr)).toEqual(['  - admin.tokens.0: Unrecognized key: "extra"']);
    // the hub refuses before it connects to anything (an unreachable database would otherwise be the first error)
    const env = { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' };
    const hub = await run([hubMain, '--config', file], env);
    expect(hub.code).toBe(1);
    expect(problems(hub.stderr)).toEqual(problems(check.stderr));

    await writeFile(file, (await readFile(file, 'utf8')).replace(', extra: 1', ''));
    const second = await weiche('config', 'check', file);
    expect(problems(second.stderr)).toEqual(['  - adapters.0.kind: unknown adapter kind "htp" (known: dms-folder, http, sftp, xta-msgbox)', '  - adapters.1.config.secret: required: the secret inline or as { file: path }', '  - adapters.1.config.url: Invalid URL'].sort());
    const hubAgain = await run([hubMain, '--config', file], env);
    expect(problems(hubAgain.stderr)).toEqual(problems(second.stderr));
  });

  it('config check refuses a route whose target or pinned mapping no known mapping module has', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-mapping-'));
    const route = (r: string): string => `adapters:\n  - { id: a1, kind: dms-folder, config: { path: out } }\nroutes:\n  - { id: r1, tenant: t1, service: "*", adapter: a1, ${r} }\n`;
    const check = async (r: string): Promise<{ code: number; stderr: string }> => weiche('config', 'check', await writeConfig(dir, route(r)));

    const typo = await check('target: "xdomea-3.1.0:0410"');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('routes.0.target: no mapping module produces "xdomea-3.1.0:0410"');
    const unknown = await check('target: "xdomea-3.1.0:0401", mapping: gewerbe-demo');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('routes.0.mapping: unknown mapping module "gewerbe-demo" (known: generic-xdomea@2.0.0');
    expect((await check('target: "xdomea-3.1.0:0401", mapping: generic-xdomea@9.9.9')).stderr).toContain('routes.0.mapping: unknown mapping module "generic-xdomea@9.9.9"');
    const wrongTarget = await check('target: "xdomea-3.1.0:0401", mapping: bauantrag-xbau');
    expect(wrongTarget.stderr).toContain('routes.0.mapping: "bauantrag-xbau" produces xbau-2.6:baugenehmigung.antrag.0200, not the route\'s target "xdomea-3.1.0:0401"');
    expect((await check('target: "xdomea-3.1.0:0401", mapping: generic-xdomea@2.0.0')).code).toBe(0);
    expect((await check('target: "xbau-2.6:baugenehmigung.antrag.0200"')).code).toBe(0);
  });

  it('config check refuses a route whose mapping accepts none of the schemas its tenant\'s destinations offer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-schemas-'));
    const bau = 'urn:de:fim:leika:leistung:99010003001006';
    const config = (schemaUri: string, route: string): string =>
      [
        'destinations:',
        '  - id: 2b1b5f1e-3c1c-4d7e-9a55-0f3f2b7f4a10',
        '    tenant: t1',
        '    keys: { privateKeyFile: k.pem, certificateFile: c.pem }',
        `    services: [{ identifier: "${bau}", name: Bau, submissionSchemas: [{ schemaUri: "${schemaUri}", mimeType: application/json }] }]`,
        'adapters:',
        '  - { id: a1, kind: dms-folder, config: { path: out } }',
        'routes:',
        `  - { id: r1, tenant: t1, adapter: a1, ${route} }`,
        '',
      ].join('\n');
    const check = async (schemaUri: string, route: string): Promise<{ code: number; stderr: string }> => weiche('config', 'check', await writeConfig(dir, config(schemaUri, route)));
    const xbau = `service: "${bau}", target: "xbau-2.6:baugenehmigung.antrag.0200"`;
    // what a developer hit: the destination offers another URI than the one bauantrag-xbau maps, so every submission is refused
    const dead = await check('https://schema.example/bauantrag.json', xbau);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toContain(
      `routes.0: no mapping module for target "xbau-2.6:baugenehmigung.antrag.0200" accepts the schemas destination 2b1b5f1e-3c1c-4d7e-9a55-0f3f2b7f4a10 (destinations.0) offers for ${bau} (https://schema.example/bauantrag.json); bauantrag-xbau@1.0.0 accepts urn:weiche:schema:bauantrag:1.0; xbau-passthrough@1.0.0 accepts XML {http://www.xleitstelle.de/xbau/2/6}baugenehmigung.antrag.0200 — such submissions would be rejected as unsupported schema`,
    );
    // "*" covers the service too; a module for any schema (generic-xdomea) accepts whatever is offered
    expect((await check('https://schema.example/bauantrag.json', 'service: "*", target: "xbau-2.6:baugenehmigung.antrag.0200"')).stderr).toContain('routes.0: no mapping module');
    expect((await check('urn:weiche:schema:bauantrag:1.0', xbau)).code).toBe(0);
    expect((await check('https://schema.example/bauantrag.json', `service: "${bau}", target: "xdomea-3.1.0:0401"`)).code).toBe(0);
  });

  it('config check names where duplicate ids are and warns of a tenant nothing reaches', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-dup-'));
    const duplicate = await weiche('config', 'check', await writeConfig(dir, 'adapters:\n  - { id: a1, kind: dms-folder, config: { path: out } }\n  - { id: a1, kind: dms-folder, config: { path: out2 } }\n'));
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('adapters.1.id: duplicate id "a1" (also adapters.0.id)');
    const unknownAdapter = await weiche('config', 'check', await writeConfig(dir, 'routes:\n  - { id: r1, tenant: t1, service: "*", target: "xdomea-3.1.0:0401", adapter: dms }\n'));
    expect(unknownAdapter.stderr).toContain('routes.0.adapter: unknown adapter instance "dms" (none configured)');
    const typo = await weiche('config', 'check', await writeConfig(dir, 'adapters:\n  - { id: soest-dms, kind: dms-folder, config: { path: out } }\nroutes:\n  - { id: r1, tenant: t1, service: "*", target: "xdomea-3.1.0:0401", adapter: soest-dsm }\n'));
    expect(typo.stderr).toContain('routes.0.adapter: unknown adapter instance "soest-dsm" (known: soest-dms)');
    // which file: an operator checks several
    expect(typo.stderr).toMatch(/^\/.*\.yaml: configuration invalid:/);
    // t1 has no destination, upstream, XTA reader or delegation: it loads (a tenant being set up), with a warning
    const lonely = await weiche('config', 'check', await writeConfig(dir, ''));
    expect(lonely.code).toBe(0);
    expect(lonely.stderr).toContain('warning: tenants.0 (t1): no destination, upstream, XTA reader or delegation brings it submissions');
  });

  it("accepts the README's example configuration, given the secret files it names", async () => {
    const readme = await readFile(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
    const example = /## Configuration[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const dir = await mkdtemp(join(tmpdir(), 'cli-readme-'));
    await mkdir(join(dir, 'secrets'));
    await writeFile(join(dir, 'secrets', 'portal-nrw'), `${'p'.repeat(32)}\n`);
    await writeFile(join(dir, 'master.key'), `${Buffer.alloc(32, 7).toString('base64')}\n`);
    const file = join(dir, 'weiche.yaml');
    // only the absolute paths of a production host are moved into the temp dir
    await writeFile(file, example!.replace('/run/secrets/weiche-master-key', 'master.key').replace('/var/lib/weiche', join(dir, 'data')));
    const result = await weiche('config', 'check', file);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses unknown commands and flags with usage and exit 2; --version prints the version', async () => {
    const unknown = await weiche('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(unknown.stderr).toContain('weiche config check');
    const typo = await weiche('audit', 'verify', '--confg', 'x');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown option '--confg'");
    expect(typo.stdout).not.toContain('intact');
    expect((await weiche('adapter', 'pause')).code).toBe(2);
    expect((await weiche('config', 'check', 'a.yaml', 'b.yaml')).code).toBe(2);
    const version = await weiche('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await weiche('--help')).code).toBe(0);
  });
});

async function writeConfig(dir: string, extra: string): Promise<string> {
  const file = join(dir, `w-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, `tenants:\n  - { id: t1, name: T, behoerdenkennung: "ags:05974028" }\n${extra}`);
  return file;
}
