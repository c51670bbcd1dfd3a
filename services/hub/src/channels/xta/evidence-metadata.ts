import { createHash } from 'node:crypto';
import type { MessageMetaData } from '@weiche/xta';

/**
 * MessageMetaData as an evidence bundle carries it (docs/evidence.md: no content, no names): the Qualifier's
 * Subject is free text the author may fill with the applicant's name, so the bundle keeps its sha256
 * (`subjectSha256`, over the UTF-8 text), which still proves what the subject was; the rest are identifiers.
 * Dates become ISO strings: the bundle is signed JSON.
 */
export function evidenceMetaData(metaData: MessageMetaData): Record<string, unknown> {
  const { subject, ...qualifier } = metaData.qualifier;
  const withoutSubject = { ...metaData, qualifier: subject === undefined ? qualifier : { ...qualifier, subjectSha256: createHash('sha256').update(subject, 'utf8').digest('hex') } };
  return JSON.parse(JSON.stringify(withoutSubject)) as Record<string, unknown>;
}
