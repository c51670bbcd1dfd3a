import { DmsConfirmationStore } from '@weiche/journal';
import type { HubDeps } from '../context.js';
import type { ConfirmationIntake } from './receive-confirmation.js';

/** The intake of DMS answers, built from the hub's shared dependencies. */
export function confirmationIntake(deps: Pick<HubDeps, 'pool' | 'config' | 'log' | 'mapper'>): ConfirmationIntake {
  return {
    store: new DmsConfirmationStore({ pool: deps.pool, schema: deps.config.database.schema }),
    xdomea: () => deps.mapper.xsd('xdomea-3.1.0'),
    log: deps.log,
  };
}
