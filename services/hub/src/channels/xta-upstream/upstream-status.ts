/**
 * The state of one upstream connection as the admin API and console show it. A copy of the shape of part A
 * (services/hub/src/upstreams/status.ts on wip/upstream-fit); the lead unifies the two.
 */
export interface UpstreamStatus {
  id: string;
  kind: 'fit-connect' | 'xta';
  tenant: string;
  lastPollAt?: string;
  lastSuccessAt?: string;
  lastError?: { at: string; message: string };
  backlog: number;
  oldestUnacknowledgedAgeSeconds?: number;
  overdue: number;
}
