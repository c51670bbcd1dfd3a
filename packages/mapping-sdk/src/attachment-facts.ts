import { inspectContent, type ContentFacts } from '@weiche/xoev';
import type { SubmissionAttachment } from './types.js';

/** The content facts of an attachment: those its channel took while verifying it, else read from its bytes now. */
export function attachmentFacts(a: Pick<SubmissionAttachment, 'facts' | 'mimeType' | 'open'>): Promise<ContentFacts> {
  return a.facts === undefined ? inspectContent(a.open(), a.mimeType) : Promise.resolve(a.facts);
}
