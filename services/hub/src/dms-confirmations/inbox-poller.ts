import { hasConfirmationInbox } from '@weiche/adapter-sdk';
import type { HubDeps } from '../context.js';
import { confirmationIntake } from './confirmation-intake.js';
import { isMessageRefusal, receiveConfirmation } from './receive-confirmation.js';

/**
 * Polls every adapter instance that has a confirmation inbox (e.g. dms-folder with inboxPath). A message
 * the hub refuses (not xdomea, no such ProzessID, another adapter's submission) is filed as failed with
 * the reason; an outage (journal down) leaves it waiting for the next poll. Never fatal.
 */
export function startConfirmationInboxes(deps: HubDeps): { stop(): Promise<void> } {
  const intake = confirmationIntake(deps);
  const abort = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  for (const [instanceId, { adapter }] of deps.adapters) {
    if (!hasConfirmationInbox(adapter)) continue;
    let busy = false;
    const poll = (): void => {
      if (busy || abort.signal.aborted) return;
      busy = true;
      const round = adapter
        .collectInbound(async (message) => {
          try {
            await receiveConfirmation(intake, {
              content: message.content,
              source: `adapter:${instanceId}`,
              mayConfirm: (owner) => owner.adapterInstances.includes(instanceId),
            });
            return { accepted: true };
          } catch (error) {
            if (isMessageRefusal(error)) return { accepted: false, reason: error.message };
            throw error;
          }
        }, abort.signal, deps.log)
        .catch((error: unknown) => deps.log.warn({ err: error, adapter: instanceId }, 'DMS inbox poll failed'))
        .finally(() => {
          busy = false;
          running.delete(round);
        });
      running.add(round);
    };
    poll();
    timers.push(setInterval(poll, adapter.inboxPollMs));
  }
  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      abort.abort();
      await Promise.all(running);
    },
  };
}
