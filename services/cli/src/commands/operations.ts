import { userInfo } from 'node:os';
import { createHubDeps, createLogger, pauseAdapter, redeliver, replayFromOpen, resumeAdapter, type HubDeps } from '@weiche/hub';
import { hubConfig } from './hub-config.js';

/** Runs an action on a hub built from the config (PostgreSQL, Redis, keys); prints what it returns. */
export async function withHub(configFile: string | undefined, action: (deps: HubDeps, actor: string) => Promise<string>): Promise<number> {
  const deps = await createHubDeps(await hubConfig(configFile), createLogger({ level: 'warn' }));
  try {
    console.log(await action(deps, `cli:${userInfo().username}`));
    return 0;
  } finally {
    await deps.close();
  }
}

/** `weiche adapter pause|resume <id>`: holds back or releases one adapter instance's deliveries on every dispatcher. */
export function adapterPauseResume(what: 'pause' | 'resume', id: string | undefined, configFile: string | undefined): Promise<number> {
  if (!id) throw new Error(`usage: weiche adapter ${what} <adapter instance> [--config <file>]`);
  return withHub(configFile, async (deps, actor) => {
    await (what === 'pause' ? pauseAdapter : resumeAdapter)(deps, id, actor);
    return `adapter instance ${id} ${what === 'pause' ? 'paused' : 'resumed'}`;
  });
}

/** `weiche redeliver <submissionId> [--route <id>]`: delivers a dead letter again, with the same idempotency key. */
export function redeliverCommand(submissionId: string | undefined, routeId: string | undefined, configFile: string | undefined): Promise<number> {
  if (!submissionId) throw new Error('usage: weiche redeliver <submissionId> [--route <routeId>] [--config <file>]');
  return withHub(configFile, async (deps, actor) => {
    const routes = await redeliver(deps, submissionId, { actor, ...(routeId ? { routeId } : {}) });
    return `redelivering ${submissionId} on ${routes.join(', ')}`;
  });
}

/** `weiche replay <submissionId>`: processes a FAILED submission again from the start (current mapping versions). */
export function replayCommand(submissionId: string | undefined, configFile: string | undefined): Promise<number> {
  if (!submissionId) throw new Error('usage: weiche replay <submissionId> [--config <file>]');
  return withHub(configFile, async (deps, actor) => {
    await replayFromOpen(deps, submissionId, { actor });
    return `replaying ${submissionId} from open`;
  });
}
