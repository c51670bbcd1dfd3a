import type { Logger } from 'pino';
import { checkDelegations, delegationFor, DelegationList, type DelegationConfig } from '@weiche/config';
import { ErrorCode, WeicheError } from '@weiche/core';
import type { DelegationStore } from '@weiche/journal';

/** What a change did, for its audit record: ids added, removed and changed, and the whole new list. */
export function describeChange(old: readonly DelegationConfig[], next: readonly DelegationConfig[], source: string): Record<string, unknown> {
  const before = new Map(old.map((d) => [d.id, JSON.stringify(d)]));
  const after = new Map(next.map((d) => [d.id, JSON.stringify(d)]));
  return {
    source,
    added: [...after.keys()].filter((id) => !before.has(id)),
    removed: [...before.keys()].filter((id) => !after.has(id)),
    changed: [...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id)),
    delegations: next,
  };
}

/**
 * The delegations every role routes with (issue 15). The journal holds the one current list, so processes
 * of other roles and replicas agree; each process keeps a snapshot for the intake check (refreshed on an
 * interval and after a change) and reads the journal afresh when it decides a submission's back office.
 */
export class DelegationRegistry {
  private snapshot: readonly DelegationConfig[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The stored version last complained about, so a bad list is logged once, not on every read. */
  private warnedVersion = -1;

  constructor(
    private readonly store: Pick<DelegationStore, 'read' | 'replace'>,
    private readonly tenantIds: ReadonlySet<string>,
    private readonly log: Logger,
    /** The configured routes, so a back office without a route for the service is refused. */
    private readonly routes: ReadonlyArray<{ tenant: string; service: string }> = [],
  ) {}

  /** The last snapshot read from the journal. */
  current(): readonly DelegationConfig[] {
    return this.snapshot;
  }

  /** Reads the journal's list into the snapshot; an entry that no longer parses (a tenant gone from the config) is left out and logged. */
  async refresh(): Promise<readonly DelegationConfig[]> {
    const stored = await this.store.read();
    const parsed = DelegationList.safeParse(stored.delegations);
    const list = parsed.success ? parsed.data : [];
    const usable = list.filter((d) => this.tenantIds.has(d.from) && this.tenantIds.has(d.to));
    if ((!parsed.success || usable.length !== list.length) && this.warnedVersion !== stored.version) {
      this.warnedVersion = stored.version;
      if (!parsed.success) this.log.error({ version: stored.version }, 'stored delegations do not parse; routing without them');
      else this.log.warn({ ignored: list.filter((d) => !usable.includes(d)).map((d) => d.id) }, 'delegations naming tenants this process does not know are ignored');
    }
    this.snapshot = usable;
    return usable;
  }

  /** The delegation of a submission received at `at`, read from the journal now (not from the snapshot). */
  async decide(tenantId: string, serviceIdentifier: string, at: Date): Promise<DelegationConfig | undefined> {
    return delegationFor(await this.refresh(), tenantId, serviceIdentifier, at);
  }

  /**
   * Replaces the list (validated as the config key is: schema, known tenants, no overlaps, a route at the back office), audited with the
   * actor and what changed; an equal list changes nothing. Invalid input is a 400 naming every problem.
   */
  async replace(input: unknown, actor: string, source: string): Promise<{ changed: boolean; version: number; delegations: readonly DelegationConfig[] }> {
    const parsed = DelegationList.safeParse(input);
    const problems = parsed.success
      ? checkDelegations(parsed.data, this.tenantIds, { routes: this.routes })
      : parsed.error.issues.map((i) => `delegations${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`);
    if (!parsed.success || problems.length > 0) throw new WeicheError(ErrorCode.BAD_REQUEST, `delegations invalid: ${problems.join('; ')}`, { status: 400 });
    const next = parsed.data;
    const result = await this.store.replace(next, {
      actor,
      describe: (old) => describeChange(DelegationList.safeParse(old).data ?? [], next, source),
    });
    if (result.changed) this.log.info({ actor, source, version: result.version, delegations: next.map((d) => d.id) }, 'delegations changed');
    return { ...result, delegations: await this.refresh() };
  }

  /** Refreshes the snapshot every `intervalMs` (a change made by another process shows up here within it). */
  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) => this.log.warn({ err: error }, 'delegations refresh failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
