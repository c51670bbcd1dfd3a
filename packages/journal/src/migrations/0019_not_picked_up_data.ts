/**
 * 0019 — relay expiry finishes its deletions (docs/adr/0017-relay-destinations.md): a submission nobody picked up in
 * time is REJECTED with `WEICHE_ERR_NOT_PICKED_UP` and then its received data is deleted. A crash in between leaves a
 * rejected row that still holds the data; the janitor's next expiry pass finds it through this index — only such
 * leftovers are in it (a handful at most), so the pass reads no finished row that is done.
 * RetentionStore.notPickedUpHoldingData queries with this very predicate.
 *
 * The index is small, but building it reads all of `submissions` while writes to it wait (in the migration transaction,
 * like 0017's): on a large journal the operator builds it beforehand with CREATE INDEX CONCURRENTLY under this name
 * (CHANGELOG, upgrade note), and it is kept (indexKeepingPrebuilt).
 */
import { indexKeepingPrebuilt } from './prebuilt-index.js';

export const migration0019 = {
  id: '0019_not_picked_up_data',
  sql: (s: string): string =>
    indexKeepingPrebuilt(
      s,
      'submissions_not_picked_up_data_idx',
      `submissions (updated_at) WHERE state = 'REJECTED' AND received_deleted_at IS NULL AND problem->>'code' = 'WEICHE_ERR_NOT_PICKED_UP'`,
    ),
} as const;
