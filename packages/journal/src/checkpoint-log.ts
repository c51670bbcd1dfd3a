/**
 * The append-only place outside the database where checkpoints are anchored (the blob store's
 * `audit-checkpoints/` prefix: WriteOnceFiles). `put` never replaces a name and resolves false if it exists.
 */
export interface CheckpointLog {
  put(name: string, content: string): Promise<boolean>;
  get(name: string): Promise<string | undefined>;
  list(): Promise<string[]>;
  /** The write-once files of a sub-folder (the per-chain markers, see chain-markers.ts). */
  folder(name: string): CheckpointLog;
}
