// Problem types of the reject-submission event.
// Source: FIT-Connect documentation "Einreichung überprüfen",
// https://docs.fitko.de/fit-connect/docs/receiving/verification/ — "Die Angaben type und instance
// MÜSSEN vom Subscriber exakt übernommen werden. Die Angabe unter title SOLLTE wie dokumentiert
// übernommen werden." Types are https://schema.fitko.de/fit-connect/events/problems/<name>;
// instance is "metadata", "data", "attachment:<attachmentId>" or "submission".
import type { JweRejectionReason } from '@weiche/crypto';

export const PROBLEM_BASE_URI = 'https://schema.fitko.de/fit-connect/events/problems/';

/** Documented titles (German as on the page; English for logs and UIs). */
export const PROBLEM_TITLES = {
  'encryption-issue': { de: 'Entschlüsselungs-Fehler', en: 'Decryption error' },
  'missing-authentication-tags': { de: 'Fehlende Authentication-Tags', en: 'Missing authentication tags' },
  'incorrect-authentication-tag': { de: 'Authentication-Tag ungültig', en: 'Invalid authentication tag' },
  'invalid-event-log': { de: 'Inkonsistentes Event-Log', en: 'Inconsistent event log' },
  'syntax-violation': { de: 'Syntax-Fehler', en: 'Syntax violation' },
  'unsupported-schema': { de: 'Schema nicht unterstützt', en: 'Unsupported schema' },
  'schema-violation': { de: 'Schema-Fehler', en: 'Schema violation' },
  'hash-mismatch': { de: 'Prüfsumme stimmt nicht', en: 'Hash mismatch' },
  'missing-data': { de: 'Fachdaten fehlen', en: 'Missing data' },
  'attachments-mismatch': { de: 'Fehlerhafte Anlagen-Liste', en: 'Attachments mismatch' },
  // a listed attachment that cannot be found in the submission (not a difference between the lists)
  'missing-attachments': { de: 'Anlagen fehlen', en: 'Missing attachments' },
  'unsupported-service': { de: 'Verwaltungsleistung nicht unterstützt', en: 'Unsupported service' },
  'service-mismatch': { de: 'Verwaltungsleistung stimmt nicht überein', en: 'Service mismatch' },
  'unsupported-reply-channel': { de: 'Rückkanal nicht unterstützt', en: 'Unsupported reply channel' },
  'technical-error': { de: 'Technischer Fehler', en: 'Technical error' },
} as const;

/** Names of the documented reject-submission problem types. */
export type ProblemName = keyof typeof PROBLEM_TITLES;

export const PROBLEM_NAMES = Object.keys(PROBLEM_TITLES) as ProblemName[];

/** Where a problem was found, in the documented instance forms. */
export type ProblemInstance = 'metadata' | 'data' | 'submission' | `attachment:${string}`;

/** One entry of reject-submission `problems` (RFC 7807 shape, no status). */
export type RejectionProblem = { type: string; title: string; detail: string; instance: string };

/** Builds a reject-submission problem with the documented type URI and (German) title. */
export function problem(name: ProblemName, detail: string, instance: ProblemInstance): RejectionProblem {
  return { type: `${PROBLEM_BASE_URI}${name}`, title: PROBLEM_TITLES[name].de, detail, instance };
}

/** Maps a refused JWE to its problem: every crypto refusal is an encryption-issue for that part. */
export function problemForJweRejection(reason: JweRejectionReason, instance: ProblemInstance): RejectionProblem {
  const what = instance === 'metadata' ? 'Die Metadaten' : instance === 'data' ? 'Die Fachdaten' : `Die Anlage ${instance.slice('attachment:'.length)}`;
  const plural = instance === 'metadata' || instance === 'data';
  switch (reason) {
    case 'unknown-kid':
      return problem('encryption-issue', `${what}: der Schlüssel ist nicht der Verschlüsselungsschlüssel dieses Zustellpunktes.`, instance);
    case 'unsupported-alg':
    case 'unsupported-enc':
    case 'zip-not-allowed':
      return problem('encryption-issue', `${what}: nicht zulässiges Verschlüsselungsverfahren (${reason}).`, instance);
    case 'malformed':
      return problem('encryption-issue', `${what}: kein gültiges JWE in Compact Serialization.`, instance);
    case 'decryption-failed':
      return problem('encryption-issue', `${what} ${plural ? 'konnten' : 'konnte'} nicht entschlüsselt werden.`, instance);
    default:
      return reason satisfies never;
  }
}
