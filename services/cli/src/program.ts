import { Command, CommanderError } from 'commander';
import { HUB_PRODUCT } from '@weiche/hub/version';

/** Exit code of a usage error (unknown command or flag, missing argument), as getopt-style tools use it. */
export const USAGE_EXIT = 2;

const CONFIG_HELP = 'hub config file (default: WEICHE_CONFIG, else the demo defaults)';

/**
 * The `weiche` command line. Commander refuses unknown commands and flags; every command that touches
 * data names the config, database, schema and Redis prefix it works on before it starts (on stderr).
 * A new command is one file in commands/ and one entry here. Each command's module is imported when it runs:
 * the hub's packages (PDF fonts, XSD validators, crypto pool) cost seconds of start-up that `config check` never needs.
 */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('weiche')
    .description('operator command line of the Weiche hub\n\nThe hub itself runs with: node services/hub/dist/main.js [--role gateway|processor|dispatcher|all] [--config <file>]')
    .version(HUB_PRODUCT.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .showHelpAfterError()
    .exitOverride();
  const done = (run: Promise<number>): Promise<void> => run.then(setExit);

  const config = program.command('config').description('configuration files');
  config
    .command('check')
    .description('validate a config file exactly as the hub does at start; lists every problem at once, never a secret')
    .argument('<file>', 'YAML config file')
    .action(async (file: string) => done((await import('./commands/config-check.js')).configCheck(file)));

  const keys = program.command('keys').description('key material');
  keys
    .command('generate')
    .description('RSA-4096 key pair + self-signed certificate (destination or signing key)')
    .requiredOption('--out <dir>', 'directory for key.pem and cert.pem')
    .option('--cn <name>', 'certificate common name', 'Weiche')
    .action(async (o: { out: string; cn: string }) => done((await import('./commands/keys-generate.js')).keysGenerate(o.out, o.cn)));
  keys
    .command('rotate')
    .description('rotate a key without downtime: master [--finish] | signing [--activate <kid>] | evidence (docs/key-rotation.md)')
    .argument('<which>', 'master, signing or evidence')
    .option('--finish', 'master: end the rotation once every replica runs with the new key')
    .option('--activate <kid>', 'signing: make this published key the one that signs')
    .option('--config <file>', CONFIG_HELP)
    .action(async (which: string, o: { finish?: boolean; activate?: string; config?: string }) =>
      done((await import('./commands/keys-rotate.js')).keysRotate({ which, config: o.config, finish: o.finish === true, activate: o.activate })),
    );

  program
    .command('audit')
    .description('the audit trail')
    .command('verify')
    .description('verify the audit chains (hashes, MACs) against the signed checkpoints; names the first bad record or gap; exit 3 when not intact')
    .option('--tenant <id>', 'only this tenant')
    .option('--since <date>', 'only records from this date (ISO 8601)')
    .option('--json', 'print the verdict as JSON')
    .option('--config <file>', CONFIG_HELP)
    .action(async (o: { tenant?: string; since?: string; json?: boolean; config?: string }) => done((await import('./commands/audit-verify.js')).auditVerify(o)));

  program
    .command('retention')
    .description('data lifecycle')
    .command('run')
    .description("delete outputs and received ciphertext past each tenant's retention (audited); unfinished submissions are never touched")
    .option('--now <iso>', 'run as of this time (ISO 8601) instead of now')
    .option('--config <file>', CONFIG_HELP)
    .action(async (o: { now?: string; config?: string }) => done((await import('./commands/lifecycle.js')).retentionRun(o.now, o.config)));

  program
    .command('blobs')
    .description('the blob store')
    .command('orphans')
    .description('count the blobs no journal row names (older than orphanBlobs.graceMs) and their size; --delete deletes them, as the hub does periodically')
    .option('--delete', 'delete them now (default: dry run, nothing changes)')
    .option('--json', 'print the counts as JSON')
    .option('--config <file>', CONFIG_HELP)
    .action(async (o: { delete?: boolean; json?: boolean; config?: string }) => done((await import('./commands/blobs-orphans.js')).blobsOrphans(o)));

  program
    .command('tenant')
    .description('tenants')
    .command('shred')
    .description("destroy the tenant's data key (crypto-shredding, audited); asks for the id again unless --yes")
    .argument('<id>', 'tenant id')
    .option('--yes', 'do not ask')
    .option('--config <file>', CONFIG_HELP)
    .action(async (id: string, o: { yes?: boolean; config?: string }) => done((await import('./commands/lifecycle.js')).tenantShred(id, o.yes === true, o.config)));

  const adapter = program.command('adapter').description('adapter packages and instances');
  adapter
    .command('new')
    .description('scaffold an adapter package (packages/adapters/<name>) that passes the conformance suite')
    .argument('<name>', 'kebab-case name, e.g. acme-dms')
    .option('--out <dir>', 'target directory')
    .action(async (name: string, o: { out?: string }) => done((await import('./commands/adapter-new.js')).adapterNew(name, o.out)));
  for (const what of ['pause', 'resume'] as const) {
    adapter
      .command(what)
      .description(what === 'pause' ? "hold back one adapter instance's deliveries (all dispatchers)" : "release one adapter instance's deliveries")
      .argument('<id>', 'adapter instance id')
      .option('--config <file>', CONFIG_HELP)
      .action(async (id: string, o: { config?: string }) => done((await import('./commands/operations.js')).adapterPauseResume(what, id, o.config)));
  }

  program
    .command('redeliver')
    .description('deliver dead letters again (same idempotency keys); one progress line per submission')
    .argument('<submissionId...>', 'one or more FAILED submissions')
    .option('--route <id>', 'only this route')
    .option('--reason <text>', 'why (kept in the audit record)')
    .option('--config <file>', CONFIG_HELP)
    .action(async (ids: string[], o: { route?: string; reason?: string; config?: string }) => done((await import('./commands/operations.js')).redeliverCommand(ids, o)));

  program
    .command('replay')
    .description('process FAILED submissions again from the start; one progress line per submission')
    .argument('<submissionId...>', 'one or more FAILED submissions')
    .option('--reason <text>', 'why (kept in the audit record)')
    .option('--config <file>', CONFIG_HELP)
    .action(async (ids: string[], o: { reason?: string; config?: string }) => done((await import('./commands/operations.js')).replayCommand(ids, o)));

  program
    .command('demo')
    .description("print the running demo's sender credentials and console token (.weiche/demo.json)")
    .action(async () => done((await import('./commands/demo.js')).demo()));

  const mapping = program.command('mapping').description('mapping modules');
  mapping
    .command('test')
    .description("run a mapping's golden samples: XSD verdict + diff (exit 1 on mismatch)")
    .argument('<module>', 'mapping module id')
    .option('--sample <name>', 'only this sample')
    .option('--update', 'write the current output as the expected one')
    .action(async (id: string, o: { sample?: string; update?: boolean }) => done((await import('./commands/mapping-test.js')).mappingTest(id, o)));
  mapping
    .command('new')
    .description('scaffold packages/mappings/<name> with a golden sample')
    .argument('<name>', 'kebab-case name')
    .action(async (name: string) => done((await import('./commands/mapping-new.js')).mappingNew(name)));

  program.addHelpText('after', `\nAll commands:\n${leafUsages(program).join('\n')}`);
  return program;
}

/** `weiche config check <file>`, … : the full words of every command, since the help lists one level only. */
function leafUsages(command: Command, words: readonly string[] = []): string[] {
  return command.commands.flatMap((c) => (c.commands.length > 0 ? leafUsages(c, [...words, c.name()]) : [`  weiche ${[...words, c.name()].join(' ')} ${c.usage()}`]));
}

/** Runs the command line; resolves to the exit code (0 ok, 1 failed, 2 usage, 3 audit not intact). */
export async function runCli(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version end with exit code 0; every other parse error is a usage error
    return error.exitCode === 0 ? 0 : USAGE_EXIT;
  }
}
