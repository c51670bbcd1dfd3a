import { createHash } from 'node:crypto';
import type { CheckpointLog } from './checkpoint-log.js';

/**
 * Per-chain markers in the append-only checkpoint log (docs/adr/0005-audit-chain.md, "Chain markers"): for every chain a checkpoint
 * seals, a write-once file `chains/<h[0..2]>/<h>/<no>` (h = sha256 of the chain's name, no = the checkpoint's
 * number, 12 digits), written before the checkpoint file. The newest checkpoint that sealed a chain is then found
 * by listing one small folder instead of reading every checkpoint written since. A marker is only a pointer: the
 * checkpoint it names must hold the chain (its JWS and heads are the proof), and no one can remove a marker.
 */

/** Folder of the markers under the log; also holds MARKED_FROM. */
const CHAINS = 'chains';
/** Write-once file in CHAINS: the number of the first checkpoint written with markers; every later one has them. */
const MARKED_FROM = 'marked-from.json';
/** Markers written at a time: enough to overlap the fsyncs, few enough to leave the disk to the rest of the hub. */
const MARKER_WRITES_IN_FLIGHT = 16;

/** What a marker file holds: the chain (for a human reader) and the sha256 of the JWS of the checkpoint it names. */
export interface ChainMarker {
  chain: string;
  checkpoint: string;
}

function markerName(no: number): string {
  return String(no).padStart(12, '0');
}

function markerNo(name: string): number | undefined {
  return /^\d{12}$/.test(name) ? Number(name) : undefined;
}

function markerFolder(log: CheckpointLog, chain: string): CheckpointLog {
  const h = createHash('sha256').update(chain).digest('hex');
  return log.folder(CHAINS).folder(h.slice(0, 2)).folder(h);
}

/**
 * Writes the markers of checkpoint `no` (whose JWS hashes to `jwsHash`) for every chain it seals, before the
 * checkpoint itself: a checkpoint in the log always has its markers. Markers left by a writer that died before
 * its checkpoint name a JWS that was never written; the lookup ignores them, as any marker its checkpoint does
 * not back. Names taken already (a second writer, an adoption) are left as they are.
 */
export async function writeChainMarkers(log: CheckpointLog, no: number, jwsHash: string, chains: readonly string[]): Promise<void> {
  if ((await log.folder(CHAINS).get(MARKED_FROM)) === undefined) await log.folder(CHAINS).put(MARKED_FROM, JSON.stringify({ from: no }));
  let next = 0;
  const writer = async (): Promise<void> => {
    for (let i = next++; i < chains.length; i = next++) {
      const chain = chains[i]!;
      const marker: ChainMarker = { chain, checkpoint: jwsHash };
      const folder = markerFolder(log, chain);
      // a read spares an adopted checkpoint's markers, there already, a fsynced write each that put would refuse
      if ((await folder.get(markerName(no))) === undefined) await folder.put(markerName(no), JSON.stringify(marker));
    }
  };
  await Promise.all(Array.from({ length: Math.min(MARKER_WRITES_IN_FLIGHT, chains.length) }, writer));
}

/** Numbers of the checkpoints the log's markers name for `chain`, newest first. */
export async function chainMarkers(log: CheckpointLog, chain: string): Promise<number[]> {
  const nos = (await markerFolder(log, chain).list()).map(markerNo).filter((n): n is number => n !== undefined);
  return nos.sort((a, b) => b - a);
}

/** The marker of checkpoint `no` for `chain`, or undefined when there is none or it is not a marker. */
export async function readChainMarker(log: CheckpointLog, chain: string, no: number): Promise<ChainMarker | undefined> {
  const text = await markerFolder(log, chain).get(markerName(no));
  try {
    const marker = text === undefined ? undefined : (JSON.parse(text) as Partial<ChainMarker>);
    return typeof marker?.chain === 'string' && typeof marker.checkpoint === 'string' ? { chain: marker.chain, checkpoint: marker.checkpoint } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The number of the first checkpoint written with markers (every later one has them: the hub writes them first),
 * or undefined when no checkpoint has markers yet. Checkpoints before it were written before markers existed.
 */
export async function markedFrom(log: CheckpointLog): Promise<number | undefined> {
  const text = await log.folder(CHAINS).get(MARKED_FROM);
  try {
    const from = text === undefined ? undefined : (JSON.parse(text) as { from?: unknown }).from;
    return typeof from === 'number' && Number.isSafeInteger(from) && from > 0 ? from : undefined;
  } catch {
    // unreadable: as if no checkpoint had markers, so lookups read the whole log (slow, never wrong)
    return undefined;
  }
}
