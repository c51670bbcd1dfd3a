import { z } from 'zod';
import type { UpstreamStatus } from '../upstreams/status.js';

/** The admin API's document of `UpstreamStatus` (upstreams/status.ts). */
export const UpstreamStatusSchema = z.object({
  id: z.string(),
  kind: z.enum(['fit-connect', 'xta']),
  tenant: z.string(),
  lastPollAt: z.string().optional().describe('start of the last poll (ISO 8601)'),
  lastSuccessAt: z.string().optional().describe('end of the last poll that succeeded'),
  lastError: z.object({ at: z.string(), message: z.string() }).optional().describe('the last poll error (kept after later successes; compare times); for a pass that failed more than once, the count per kind of failure and the last one'),
  lastPollFailed: z.boolean().describe('the last poll that ended failed (its error is newer than the last success); a poll under way counts once it ends. Gauge weiche_upstream_poll_failing'),
  backlog: z.number().int().describe('submissions taken in from the upstream whose outcome is not yet acknowledged (FIT-Connect: no accept/reject SET yet; XTA: closed upstream at intake, not yet finished here)'),
  oldestUnacknowledgedAgeSeconds: z.number().int().optional().describe('age of the oldest of them, counted from its upstream submission'),
  overdue: z.number().int().describe('of them, how many are older than upstreamOverdueAfter'),
  waitingUpstream: z.number().int().optional().describe('XTA: entries the last poll that read the box\'s list left in it without taking them in (fetch failed, or more than one poll lists)'),
  oldestWaitingUpstreamAgeSeconds: z.number().int().optional().describe('age of the oldest of them, from its delivery to the box'),
  recloses: z.number().int().describe('XTA: closes sent again, since the journal began, for entries the box listed after the hub had closed them (the intermediary lost or ignored the close); counter weiche_upstream_recloses_total'),
  closeNotTaken: z.number().int().describe('XTA: entries closed again 5 times or more, the last time within two hours: the intermediary does not take their close (ask its operator). Gauge weiche_upstream_close_not_taken'),
});
export const UpstreamStatusList = z.array(UpstreamStatusSchema);

// the shared interface fits the documented schema
export const asDocumented = (status: UpstreamStatus): z.input<typeof UpstreamStatusSchema> => status;
