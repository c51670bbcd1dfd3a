#!/usr/bin/env node
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '@weiche/config';
import { errorMessage } from '@weiche/core';
import { generateRsaKeyPair, keyIdOf } from '@weiche/crypto';
import { createPool, Journal } from '@weiche/journal';

const USAGE = `weiche — operator command line of the Weiche hub

  weiche config check <file>              validate a config file; lists every problem at once
  weiche keys generate --out <dir> [--cn <name>]
                                          RSA-4096 key pair + self-signed certificate (destination or signing key)
  weiche audit verify [--config <file>]   recompute the audit hash chain in PostgreSQL
  weiche demo                             print the running demo's sender credentials (.weiche/demo.json)

The hub itself runs with: node services/hub/dist/main.js [--role gateway|processor|dispatcher|all] [--config <file>]`;

async function configCheck(file: string | undefined): Promise<number> {
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

async function keysGenerate(out: string | undefined, cn: string | undefined): Promise<number> {
  if (!out) throw new Error('usage: weiche keys generate --out <dir> [--cn <name>]');
  const pair = await generateRsaKeyPair({ commonName: cn ?? 'Weiche', bits: 4096 });
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'key.pem'), pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  await writeFile(join(out, 'cert.pem'), pair.certificatePem, { flag: 'wx' });
  console.log(`wrote ${join(out, 'key.pem')} and ${join(out, 'cert.pem')} (kid ${keyIdOf(pair.certificatePem)})`);
  return 0;
}

async function auditVerify(configFile: string | undefined): Promise<number> {
  const url = configFile ? loadConfigFile(configFile).database.url : (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const schema = configFile ? loadConfigFile(configFile).database.schema : (process.env.WEICHE_DB_SCHEMA ?? 'weiche');
  const pool = createPool(url);
  try {
    const result = await new Journal({ pool, schema }).verifyAuditChain();
    if (result.ok) {
      console.log(`audit chain intact: ${result.count} record(s)`);
      return 0;
    }
    console.error(`audit chain BROKEN at record ${result.brokenAtSeq} (of ${result.count})`);
    return 2;
  } finally {
    await pool.end();
  }
}

async function demo(): Promise<number> {
  const file = join(resolve(process.env.WEICHE_DATA_DIR ?? '.weiche'), 'demo.json');
  console.log(await readFile(file, 'utf8').catch(() => `no ${file} yet: start the hub with \`npm start\` first`));
  return 0;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' }, cn: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [group, command, arg] = positionals;
  if (values.help || !group) {
    console.log(USAGE);
    return 0;
  }
  switch (`${group} ${command ?? ''}`.trim()) {
    case 'config check':
      return configCheck(arg);
    case 'keys generate':
      return keysGenerate(values.out, values.cn);
    case 'audit verify':
      return auditVerify(values.config);
    case 'demo':
      return demo();
    default:
      console.error(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
      return 64;
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`weiche: ${errorMessage(error)}`);
    process.exit(1);
  },
);
