#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { errorMessage } from '@weiche/core';
import { adapterNew } from './commands/adapter-new.js';
import { auditVerify } from './commands/audit-verify.js';
import { configCheck } from './commands/config-check.js';
import { demo } from './commands/demo.js';
import { keysGenerate } from './commands/keys-generate.js';
import { retentionRun, tenantShred } from './commands/lifecycle.js';
import { mappingNew } from './commands/mapping-new.js';
import { mappingTest } from './commands/mapping-test.js';
import { adapterPauseResume, redeliverCommand, replayCommand } from './commands/operations.js';
import type { Command } from './commands/types.js';

const USAGE = `weiche — operator command line of the Weiche hub

  weiche config check <file>              validate a config file; lists every problem at once
  weiche keys generate --out <dir> [--cn <name>]
                                          RSA-4096 key pair + self-signed certificate (destination or signing key)
  weiche audit verify [--tenant <id>] [--since <date>] [--json] [--config <file>]
                                          verify the audit chains (hashes, MACs) against the signed checkpoints;
                                          names the first bad record or gap; exit 3 when not intact
  weiche adapter new <name> [--out <dir>] scaffold an adapter package (packages/adapters/<name>) that passes the conformance suite
  weiche adapter pause|resume <id> [--config <file>]
                                          hold back / release one adapter instance's deliveries (all dispatchers)
  weiche redeliver <submissionId> [--route <id>] [--config <file>]
                                          deliver a dead letter again (same idempotency key)
  weiche replay <submissionId> [--config <file>]
                                          process a FAILED submission again from the start
  weiche retention run [--now <iso>] [--config <file>]
                                          delete outputs and received ciphertext past each tenant's retention
                                          (finished submissions only; every deletion audited)
  weiche tenant shred <id> [--yes] [--config <file>]
                                          destroy the tenant's data key (crypto-shredding); asks for the id unless --yes
  weiche demo                             print the running demo's sender credentials (.weiche/demo.json)
  weiche mapping test <module> [--sample <name>] [--update]
                                          run a mapping's golden samples: XSD verdict + diff (exit 1 on mismatch)
  weiche mapping new <name>               scaffold packages/mappings/<name> with a golden sample

The hub itself runs with: node services/hub/dist/main.js [--role gateway|processor|dispatcher|all] [--config <file>]`;

/** Command words → handler. A new command is one file in commands/ and one line here. */
const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['config check', ({ positionals }) => configCheck(positionals[0])],
  ['keys generate', ({ flags }) => keysGenerate(flags.out as string | undefined, flags.cn as string | undefined)],
  ['audit verify', ({ flags }) => auditVerify({ config: flags.config as string | undefined, tenant: flags.tenant as string | undefined, since: flags.since as string | undefined, json: flags.json === true })],
  ['demo', () => demo()],
  ['retention run', ({ flags }) => retentionRun(flags.now as string | undefined, flags.config as string | undefined)],
  ['tenant shred', ({ positionals, flags }) => tenantShred(positionals[0], flags.yes === true, flags.config as string | undefined)],
  ['mapping test', ({ positionals, flags }) => mappingTest(positionals, flags)],
  ['mapping new', ({ positionals }) => mappingNew(positionals[0])],
  ['adapter new', ({ positionals, flags }) => adapterNew(positionals[0], flags.out as string | undefined)],
  ['adapter pause', ({ positionals, flags }) => adapterPauseResume('pause', positionals[0], flags.config as string | undefined)],
  ['adapter resume', ({ positionals, flags }) => adapterPauseResume('resume', positionals[0], flags.config as string | undefined)],
  ['redeliver', ({ positionals, flags }) => redeliverCommand(positionals[0], flags.route as string | undefined, flags.config as string | undefined)],
  ['replay', ({ positionals, flags }) => replayCommand(positionals[0], flags.config as string | undefined)],
]);

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      out: { type: 'string' },
      cn: { type: 'string' },
      config: { type: 'string' },
      route: { type: 'string' },
      tenant: { type: 'string' },
      since: { type: 'string' },
      json: { type: 'boolean' },
      now: { type: 'string' },
      yes: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return 0;
  }
  for (const words of [2, 1]) {
    const command = COMMANDS.get(positionals.slice(0, words).join(' '));
    if (command) return command({ positionals: positionals.slice(words), flags: values });
  }
  console.error(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
  return 64;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`weiche: ${errorMessage(error)}`);
    process.exit(1);
  },
);
