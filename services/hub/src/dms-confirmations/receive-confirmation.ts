import { createHash } from 'node:crypto';
import { ErrorCode, WeicheError } from '@weiche/core';
import type { DmsConfirmationStore, ProzessOwner } from '@weiche/journal';
import { assertXsdValid, parseXdomeaConfirmation, type PooledXsdValidator } from '@weiche/xoev';

/** What one DMS answer did to the journal. */
export interface ReceivedConfirmation {
  submissionId: string;
  messageType: '0402' | '0403';
  /** New rows (0 when the same message came before). */
  recorded: number;
  imported: number;
  failed: number;
}

/** What receiving needs: the store, the xdomea validator, and who may confirm what. */
export interface ConfirmationIntake {
  store: DmsConfirmationStore;
  xdomea(): PooledXsdValidator;
  log: { info(obj: object, msg?: string): void };
}

/**
 * Reads a 0402/0403 (DOCTYPE refused, XSD-valid), finds the submission by ProzessID and records the
 * answer with its audit record. `source` names who delivered it (`adapter:<id>`, `http:<client>`);
 * `mayConfirm` keeps a DMS to the submissions it received. Refusals are WeicheErrors that are no
 * retry's business: SCHEMA_VIOLATION (422: not well-formed, DOCTYPE, fails the XSD) and NOT_FOUND (404, also
 * for another DMS's submission).
 */
export async function receiveConfirmation(
  intake: ConfirmationIntake,
  input: { content: Buffer; source: string; mayConfirm: (owner: ProzessOwner) => boolean },
): Promise<ReceivedConfirmation> {
  const message = parseXdomeaConfirmation(input.content);
  await assertXsdValid(intake.xdomea(), input.content, `Abgabe.${message.messageType === '0402' ? 'ImportBestaetigen.0402' : 'EmpfangBestaetigen.0403'}`);
  const owner = await intake.store.findByProzessId(message.prozessId);
  if (!owner || !input.mayConfirm(owner)) {
    throw new WeicheError(ErrorCode.NOT_FOUND, `no submission of this DMS has ProzessID ${message.prozessId}`, { status: 404, retryable: false });
  }
  const { recorded } = await intake.store.record({
    submissionId: owner.submissionId,
    prozessId: message.prozessId,
    messageType: message.messageType,
    objects: message.objects,
    source: input.source,
    messageSha256: createHash('sha256').update(input.content).digest('hex'),
    messageCreatedAt: message.createdAt,
  });
  const imported = message.objects.filter((o) => o.imported).length;
  const failed = message.objects.length - imported;
  // ids and counts only: the DMS's reasons stay in the journal
  intake.log.info({ submissionId: owner.submissionId, messageType: message.messageType, recorded, imported, failed, source: input.source }, 'DMS answer recorded');
  return { submissionId: owner.submissionId, messageType: message.messageType, recorded, imported, failed };
}

const REFUSALS: ReadonlySet<ErrorCode> = new Set([ErrorCode.SCHEMA_VIOLATION, ErrorCode.XSD_INVALID, ErrorCode.NOT_FOUND]);

/** True for refusals that concern the message itself (file it as failed, answer 4xx), false for outages. */
export function isMessageRefusal(error: unknown): error is WeicheError {
  return error instanceof WeicheError && REFUSALS.has(error.code);
}
