import type { GenericContentContainer, XtaLimits } from '@weiche/xta';

/**
 * The operator's `limits.submissionBytes` (plaintext bytes: what the sender's files hold together) applied to an
 * XTA message — one `sendMessage` to the hub's own XTA server, and one the XTA upstream fetches (as the FIT-Connect
 * upstream applies it at pickup). A plain container's parts count as they are; an encrypted one is judged by its
 * ciphertext, whose plaintext is a ContentContainer with the parts in base64 — so its allowance is the base64
 * growth plus the XML around the parts (as FIT-Connect's JWE allowance).
 */
const CONTAINER_XML_ALLOWANCE = 64 * 1024;

/** The largest CipherValue whose plaintext can hold `submissionBytes` of parts. */
export function maxEncryptedContainerBytes(submissionBytes: number): number {
  return Math.ceil(submissionBytes / 3) * 4 + CONTAINER_XML_ALLOWANCE;
}

/**
 * The body bound of an XTA message (a request to the XTA server, an answer to the upstream's fetch): the XTA
 * channel's (from `xta.limits.maxContainerBytes`), lowered to what a message within `submissionBytes` can need
 * (its container in base64, plus the SOAP around it), so an over-limit message is not read whole first.
 */
export function xtaLimitsWithin(xta: XtaLimits, submissionBytes: number): XtaLimits & { readonly bodyBySubmissionLimit: boolean } {
  const bySubmission = Math.ceil(maxEncryptedContainerBytes(submissionBytes) / 3) * 4 + 1024 * 1024;
  return { ...xta, maxBodyBytes: Math.min(xta.maxBodyBytes, bySubmission), bodyBySubmissionLimit: bySubmission < xta.maxBodyBytes };
}

/** Whether a received or fetched container holds more than `submissionBytes` (see above for an encrypted one). */
export function overSubmissionLimit(container: GenericContentContainer, submissionBytes: number): boolean {
  if (container.kind === 'encrypted') return container.cipherValue.length > maxEncryptedContainerBytes(submissionBytes);
  return container.attachments.reduce((sum, part) => sum + part.data.length, container.message.data.length) > submissionBytes;
}

/** The reason the sender is told (German, as every refusal the hub's senders read). */
export function overSubmissionLimitReason(submissionBytes: number): string {
  return `Die Nachricht überschreitet die Größengrenze des Empfängers von ${submissionBytes} Bytes je Einreichung (Nachricht und Anlagen zusammen).`;
}
