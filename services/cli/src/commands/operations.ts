import { userInfo } from 'node:os';
import { errorMessage } from '@weiche/core';
import { createHubDeps, createLogger, pauseAdapter, redeliver, replayFromOpen, resumeAdapter, type HubDeps } from '@weiche/hub';
import { hubConfig, sayOnStderr, type Say } from './hub-config.js';

/** Runs an action on a hub built from the config (PostgreSQL, Redis, keys); its result is the exit code. */
export async function withHub(configFile: string | undefined, action: (deps: HubDeps, actor: string) => Promise<number>): Promise<number> {
  const deps = await createHubDeps(await hubConfig(configFile), createLogger({ level: 'warn' }));
  try {
    return await action(deps, `cli:${userInfo().username}`);
  } finally {
    await deps.close();
  }
}

/** `weiche adapter pause|resume <id>`: holds back or releases one adapter instance's deliveries on every dispatcher. */
export function adapterPauseResume(what: 'pause' | 'resume', id: string, configFile: string | undefined): Promise<number> {
  return withHub(configFile, async (deps, actor) => {
    await (what === 'pause' ? pauseAdapter : resumeAdapter)(deps, id, actor);
    console.log(`adapter instance ${id} ${what === 'pause' ? 'paused' : 'resumed'}`);
    return 0;
  });
}

export interface BatchOptions {
  readonly config?: string | undefined;
  readonly reason?: string | undefined;
}

/**
 * Acts on each submission in turn with a progress line per submission (`[3/250] <id>: …`, on stderr) and a
 * summary on stdout; one that cannot be acted on (unknown, not FAILED) is reported and the rest go on.
 * Exit 0 when all succeeded, 1 otherwise.
 */
async function eachSubmission(ids: readonly string[], act: (submissionId: string) => Promise<string>, verb: string, say: Say): Promise<number> {
  let failed = 0;
  for (const [i, submissionId] of ids.entries()) {
    try {
      say(`[${i + 1}/${ids.length}] ${submissionId}: ${await act(submissionId)}`);
    } catch (error) {
      failed++;
      say(`[${i + 1}/${ids.length}] ${submissionId}: not ${verb}: ${errorMessage(error)}`);
    }
  }
  console.log(`${verb} ${ids.length - failed} of ${ids.length} submission(s)${failed ? `, ${failed} failed` : ''}`);
  return failed === 0 ? 0 : 1;
}

/** `weiche redeliver <submissionId...> [--route <id>]`: delivers dead letters again, with the same idempotency keys. */
export function redeliverCommand(ids: readonly string[], options: BatchOptions & { route?: string | undefined }, say: Say = sayOnStderr): Promise<number> {
  return withHub(options.config, (deps, actor) =>
    eachSubmission(
      ids,
      async (id) => `redelivering on ${(await redeliver(deps, id, { actor, ...(options.route ? { routeId: options.route } : {}), ...(options.reason ? { reason: options.reason } : {}) })).join(', ')}`,
      'redelivered',
      say,
    ),
  );
}

/** `weiche replay <submissionId...>`: processes FAILED submissions again from the start (current mapping versions). */
export function replayCommand(ids: readonly string[], options: BatchOptions, say: Say = sayOnStderr): Promise<number> {
  return withHub(options.config, (deps, actor) =>
    eachSubmission(
      ids,
      async (id) => {
        await replayFromOpen(deps, id, { actor, ...(options.reason ? { reason: options.reason } : {}) });
        return 'replaying from open';
      },
      'replayed',
      say,
    ),
  );
}
