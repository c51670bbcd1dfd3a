import { createInterface } from 'node:readline/promises';
import { runRetention, shredTenant } from '@weiche/hub';
import { withHub } from './operations.js';

/** `weiche retention run [--now <iso>]`: applies every tenant's retention once; `--now` runs it as of another time (tests, catching up). */
export function retentionRun(now: string | undefined, configFile: string | undefined): Promise<number> {
  const at = now === undefined ? undefined : new Date(now);
  if (at !== undefined && Number.isNaN(at.getTime())) throw new Error(`--now: not a date (ISO 8601, e.g. 2025-01-31T12:00:00Z): ${now}`);
  return withHub(configFile, async (deps, actor) => {
    const report = await runRetention(deps, { actor, ...(at ? { now: at } : {}) });
    if (!report) throw new Error('another retention run is in progress (a hub process); try again when it is done');
    if (report.tenants.length === 0) {
      console.log('no tenant has a retention policy (tenants[].retention)');
      return 0;
    }
    console.log([
      `retention as of ${report.now}:`,
      ...report.tenants.map(
        (t) => `  ${t.tenantId}: outputs deleted for ${t.outputs} submission(s), received data for ${t.received}${t.boxPackages > 0 ? `, ${t.boxPackages} closed message box package(s)` : ''}${t.keptShared > 0 ? `, ${t.keptShared} blob(s) kept for other submissions` : ''}${t.skipped > 0 ? `, ${t.skipped} skipped (see the log)` : ''}${t.failed > 0 ? `, ${t.failed} failed (see the log; tried again at the next run)` : ''}`,
      ),
    ].join('\n'));
    return 0;
  });
}

/** Reads one line from stdin (a terminal or a pipe). */
async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/**
 * `weiche tenant shred <id> [--yes]`: destroys the tenant's data key (crypto-shredding). Without `--yes` the
 * tenant id must be typed again; anything else changes nothing (exit 2).
 */
export async function tenantShred(tenantId: string | undefined, yes: boolean, configFile: string | undefined): Promise<number> {
  if (!tenantId) throw new Error('usage: weiche tenant shred <tenantId> [--yes] [--config <file>]');
  if (!yes) {
    console.error(`This destroys the data key of tenant ${tenantId}: its stored output packages and encrypted data become unreadable for good.`);
    const typed = await ask(`Type the tenant id (${tenantId}) to confirm: `);
    if (typed !== tenantId) {
      console.error('not confirmed; nothing changed');
      return 2;
    }
  }
  return withHub(configFile, async (deps, actor) => {
    const { keyExisted } = await shredTenant(deps, tenantId, actor);
    const keys = deps.config.destinations.filter((d) => d.tenant === tenantId).flatMap((d) => (d.keys ? [d.keys.privateKeyFile] : []));
    console.log([
      keyExisted ? `tenant ${tenantId} shredded: its data key is destroyed (audited)` : `tenant ${tenantId} had no data key (already shredded or never used); recorded in the audit`,
      ...(keys.length > 0 ? [`ciphertext as received is encrypted to its destination keys, which the hub keeps as configured files: delete them too to make it unreadable: ${keys.join(', ')}`] : []),
    ].join('\n'));
    return 0;
  });
}
