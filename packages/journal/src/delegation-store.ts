import { appendAudit } from './audit-chain.js';
import { canonicalJson } from './canonical-json.js';
import { SchemaStore } from './schema-store.js';
import { withTransaction } from './with-transaction.js';

/** The audit stage of a change of the delegations. */
export const DELEGATIONS_STAGE = 'delegations';

/** The current set of delegations as stored: the list (parsed by the caller's schema) and its version. */
export interface StoredDelegations {
  delegations: unknown[];
  version: number;
  updatedAt: Date;
  updatedBy: string;
}

/**
 * The delegations every hub process routes with (migration 0013): one list, replaced as a whole in one
 * transaction with an audit record, so replicas and roles in other processes read the same set.
 */
export class DelegationStore extends SchemaStore {
  async read(): Promise<StoredDelegations> {
    const rows = await this.query<{ delegations: unknown[]; version: number; updated_at: Date; updated_by: string }>(
      `SELECT delegations, version, updated_at, updated_by FROM ${this.s}.delegation_set WHERE one`,
    );
    const r = rows[0];
    return { delegations: r?.delegations ?? [], version: r?.version ?? 0, updatedAt: r?.updated_at ?? new Date(0), updatedBy: r?.updated_by ?? '' };
  }

  /**
   * Replaces the list unless it is equal to the stored one; `describe(old)` gives the audit details of the
   * change (ids added, removed, changed). Returns whether it changed and the version now stored.
   */
  async replace(
    delegations: readonly unknown[],
    input: { actor: string; describe: (old: unknown[]) => Record<string, unknown> },
  ): Promise<{ changed: boolean; version: number }> {
    const s = this.s;
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ delegations: unknown[]; version: number }>(`SELECT delegations, version FROM ${s}.delegation_set WHERE one FOR UPDATE`);
      const old = rows[0]?.delegations ?? [];
      const version = rows[0]?.version ?? 0;
      if (canonicalJson(old) === canonicalJson(delegations)) return { changed: false, version };
      await client.query(`UPDATE ${s}.delegation_set SET delegations = $1, version = version + 1, updated_at = now(), updated_by = $2 WHERE one`, [
        JSON.stringify(delegations),
        input.actor,
      ]);
      await appendAudit(client, s, { actor: input.actor, stage: DELEGATIONS_STAGE, details: { version: version + 1, ...input.describe(old) } });
      return { changed: true, version: version + 1 };
    });
  }
}
