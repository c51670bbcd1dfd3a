import type { DeliveryPackage } from './contract.js';
import { PermanentDeliveryError, TransientDeliveryError } from './errors.js';

/** What an adapter found under the package's final name instead of the package. */
export type TargetOccupant = 'different size' | 'same size, different content' | 'not a plain file';

/**
 * The final name is taken by a file that is not this package: one the back office placed or is consuming, or another
 * package's. It is never overwritten, and it is no delivery: permanent, so an operator looks (moves it away, redelivers).
 * The reason names no file, as file names may carry personal data; the journal knows which package it was.
 */
export function targetOccupiedError(occupant: TargetOccupant): PermanentDeliveryError {
  return new PermanentDeliveryError(`another file already has the package's name at the target (${occupant}); left untouched, package not delivered`);
}

/** How an adapter looks at what is under a package's final name on its far side (a folder, an SFTP server). */
export interface TargetProbe {
  /** Size and kind of what is there; undefined when nothing is. */
  stat(): Promise<{ readonly size: number; readonly isFile: boolean } | undefined>;
  /** Hex SHA-256 of it, streamed; undefined when it vanished meanwhile. Asked only when the size matches. */
  sha256(): Promise<string | undefined>;
}

/**
 * What is under the package's final name: nothing, or the package itself (an earlier attempt of the delivery put it
 * there, then the answer or the receipt was lost). Anything else throws `targetOccupiedError`. Size alone is not
 * enough: another package of that name and size would be taken for this one and the receipt would name a SHA-256 that
 * is not there; so the bytes are read, but only when the size matches.
 */
export async function examineTarget(probe: TargetProbe, pkg: DeliveryPackage): Promise<'absent' | 'ours'> {
  const present = await probe.stat();
  if (!present) return 'absent';
  if (!present.isFile) throw targetOccupiedError('not a plain file');
  if (present.size !== pkg.size) throw targetOccupiedError('different size');
  const sha256 = await probe.sha256();
  // taken away (consumed by the back office?) while it was read: the next attempt looks again
  if (sha256 === undefined) throw new TransientDeliveryError('the file under the package name vanished while it was compared');
  if (sha256 !== pkg.sha256) throw targetOccupiedError('same size, different content');
  return 'ours';
}
