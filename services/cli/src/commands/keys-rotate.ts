import { decodeMasterKey, rotateEvidenceKey, rotateMasterKey, rotateSigningKey } from '@weiche/hub';
import { hubConfig } from './hub-config.js';

export interface KeysRotateArgs {
  readonly which: string | undefined;
  readonly config?: string | undefined;
  /** master: the second step, after every replica runs with the new key. */
  readonly finish?: boolean;
  /** signing: make the prepared key (this kid) the one that signs. */
  readonly activate?: string | undefined;
}

const USAGE = 'usage: weiche keys rotate master [--finish] | signing [--activate <kid>] | evidence  [--config <file>]';

/**
 * `weiche keys rotate master|signing|evidence`: key rotation without downtime (docs/key-rotation.md). Each
 * step leaves every running replica working; the message says what to do next.
 */
export async function keysRotate(args: KeysRotateArgs, log: (s: string) => void = console.log): Promise<number> {
  const config = await hubConfig(args.config);
  switch (args.which) {
    case 'master': {
      const fromEnv = process.env.WEICHE_NEW_MASTER_KEY;
      const result = args.finish
        ? await rotateMasterKey(config, { finish: true })
        : await rotateMasterKey(config, { start: fromEnv ? { newKey: decodeMasterKey(fromEnv) } : {} });
      log(`master key rotation ${result.step}: ${result.tenants.length} tenant key(s) rewrapped; next: ${result.next}`);
      return 0;
    }
    case 'signing': {
      if (args.activate) {
        const { kid } = await rotateSigningKey(config.dataDir, { activate: args.activate });
        log(`signing key ${kid} is current: each replica signs with it from its next restart; the old key stays in the JWKS until its certificate is removed from ${config.dataDir}/keys`);
      } else {
        const { kid } = await rotateSigningKey(config.dataDir, { prepare: true });
        log(`signing key ${kid} created and published in the JWKS (within seconds); next: weiche keys rotate signing --activate ${kid}`);
      }
      return 0;
    }
    case 'evidence': {
      const { kid, previous } = await rotateEvidenceKey(config);
      log(`evidence key ${kid} is current (was ${previous}); each replica uses it from its next restart; records of the old key still verify`);
      return 0;
    }
    case undefined:
    default:
      console.error(USAGE);
      return 64;
  }
}
