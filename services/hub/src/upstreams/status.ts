import type { WeicheConfig } from '@weiche/config';
import type { UpstreamRecord, UpstreamStore } from '@weiche/journal';

/**
 * One upstream connection as the admin API, the console and the metrics show it (shared by every upstream kind;
 * docs/architecture.md "Upstreams" says what backlog and waiting upstream mean).
 */
export interface UpstreamStatus {
  id: string;
  kind: 'fit-connect' | 'xta';
  tenant: string;
  lastPollAt?: string;
  lastSuccessAt?: string;
  lastError?: { at: string; message: string };
  /** The last poll that ended failed: its error is newer than the last success (a poll under way does not count yet). */
  lastPollFailed: boolean;
  backlog: number;
  oldestUnacknowledgedAgeSeconds?: number;
  overdue: number;
  /** Kinds that see it (XTA): entries the last successful poll left upstream, not taken in. */
  waitingUpstream?: number;
  oldestWaitingUpstreamAgeSeconds?: number;
  /** Closes sent again for entries listed after their close (XTA), since the journal began. */
  recloses: number;
  /** Entries closed again many times (MANY_RECLOSES), the last time within two hours: the intermediary does not take their close. */
  closeNotTaken: number;
}

/**
 * A poll ends in a success or an error, so the newer of the two is how the last finished poll ended. The error stays
 * after later successes (the operator can still read it): only its time tells whether it is the last poll's.
 */
function lastPollFailed(record: UpstreamRecord | undefined): boolean {
  if (!record?.lastError) return false;
  return record.lastSuccessAt === undefined || record.lastError.at.getTime() > record.lastSuccessAt.getTime();
}

const ageSeconds = (since: Date, now: Date): number => Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000));

/** The configured upstreams of every kind, as (id, kind, tenant). */
export function configuredUpstreams(config: Pick<WeicheConfig, 'upstreams'>): Array<Pick<UpstreamStatus, 'id' | 'kind' | 'tenant'>> {
  const upstreams = config.upstreams as { fitConnect: ReadonlyArray<{ id: string; tenant: string }>; xta?: ReadonlyArray<{ id: string; tenant: string }> };
  return [
    ...upstreams.fitConnect.map((u) => ({ id: u.id, kind: 'fit-connect' as const, tenant: u.tenant })),
    ...(upstreams.xta ?? []).map((u) => ({ id: u.id, kind: 'xta' as const, tenant: u.tenant })),
  ];
}

function statusOf(upstream: Pick<UpstreamStatus, 'id' | 'kind' | 'tenant'>, record: UpstreamRecord | undefined, now: Date): UpstreamStatus {
  return {
    ...upstream,
    ...(record?.lastPollAt ? { lastPollAt: record.lastPollAt.toISOString() } : {}),
    ...(record?.lastSuccessAt ? { lastSuccessAt: record.lastSuccessAt.toISOString() } : {}),
    ...(record?.lastError ? { lastError: { at: record.lastError.at.toISOString(), message: record.lastError.message } } : {}),
    lastPollFailed: lastPollFailed(record),
    backlog: record?.backlog ?? 0,
    ...(record?.oldestUnacknowledgedAt ? { oldestUnacknowledgedAgeSeconds: ageSeconds(record.oldestUnacknowledgedAt, now) } : {}),
    overdue: record?.overdue ?? 0,
    ...(record?.waitingUpstream ? { waitingUpstream: record.waitingUpstream.count } : {}),
    ...(record?.waitingUpstream?.since ? { oldestWaitingUpstreamAgeSeconds: ageSeconds(record.waitingUpstream.since, now) } : {}),
    recloses: record?.recloses ?? 0,
    closeNotTaken: record?.closeNotTaken ?? 0,
  };
}

/** The status of every configured upstream the filter admits (e.g. the principal's tenants). */
export async function upstreamStatuses(
  deps: { readonly config: Pick<WeicheConfig, 'upstreams' | 'upstreamOverdueAfter'>; readonly upstreams: Pick<UpstreamStore, 'records'> },
  include: (tenant: string) => boolean = () => true,
): Promise<UpstreamStatus[]> {
  const list = configuredUpstreams(deps.config).filter((u) => include(u.tenant));
  if (list.length === 0) return [];
  const records = await deps.upstreams.records(
    list.map((u) => u.id),
    deps.config.upstreamOverdueAfter,
  );
  const now = new Date();
  return list.map((u) => statusOf(u, records.get(u.id), now));
}
