// Subscriber checks from "Einreichung überprüfen" (docs.fitko.de/fit-connect/docs/receiving/verification/).
import { constantTimeEqual } from '@weiche/core';
import type { Metadata } from './metadata.js';
import { problem } from './problems.js';
import type { ProblemInstance, RejectionProblem } from './problems.js';

/**
 * The ids announced in CreateSubmission must equal, as sets, the ids in
 * metadata.contentStructure.attachments; either direction of difference is an attachments-mismatch.
 */
export function checkAnnouncedAttachments(
  announced: string[],
  metadata: Pick<Metadata, 'contentStructure'>,
): RejectionProblem | undefined {
  const norm = (id: string): string => id.toLowerCase();
  const announcedSet = new Set(announced.map(norm));
  const listed = metadata.contentStructure.attachments.map((a) => norm(a.attachmentId));
  const listedSet = new Set(listed);
  const notListed = [...announcedSet].filter((id) => !listedSet.has(id));
  const notAnnounced = [...listedSet].filter((id) => !announcedSet.has(id));
  const duplicates = listed.length !== listedSet.size;
  if (notListed.length === 0 && notAnnounced.length === 0 && !duplicates) return undefined;
  const parts: string[] = [];
  if (notListed.length > 0) parts.push(`angekündigt, aber nicht in den Metadaten: ${notListed.join(', ')}`);
  if (notAnnounced.length > 0) parts.push(`in den Metadaten, aber nicht angekündigt: ${notAnnounced.join(', ')}`);
  if (duplicates) parts.push('Anlagen-IDs in den Metadaten sind doppelt');
  return problem(
    'attachments-mismatch',
    `Die Liste der Anlagen in Einreichung und Metadaten stimmt nicht überein (${parts.join('; ')}).`,
    'metadata',
  );
}

/** Compares a sha512 hex digest from the metadata with the recomputed one; a hash-mismatch problem for `what` when they differ. */
export function checkHash(expectedHex: string, actualHex: string, what: ProblemInstance): RejectionProblem | undefined {
  if (constantTimeEqual(expectedHex.toLowerCase(), actualHex.toLowerCase())) return undefined;
  const subject =
    what === 'data' ? 'der Fachdaten' : what === 'metadata' ? 'der Metadaten' : what === 'submission' ? 'der Einreichung' : `der Anlage ${what.slice('attachment:'.length)}`;
  return problem('hash-mismatch', `Die Prüfsumme ${subject} stimmt nicht.`, what);
}
