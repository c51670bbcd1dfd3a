import { ErrorCode } from '@weiche/core';
import type { DeliveryRow, SubmissionProblem, SubmissionRow } from '@weiche/journal';
import { TransportStatus, XTA_ERRORS, type TransportRecord, type TransportReport, type XtaErrorName } from '@weiche/xta';
import type { XtaMeta } from './meta.js';

// Info and warning records: the hub's own codes until KoSIT publishes `urn:de:xta:codeliste:record.type`.
const RECORD = { retrying: 'DELIVERY_RETRY', delivered: 'DELIVERED', received: 'RECEIVED' } as const;

/** Error records use XTA's own code list of Fehlernummern (urn:de:xta:webservice:codeliste:fehlernummer 1.0). */
const FEHLERNUMMER_LIST = { listUri: 'urn:de:xta:webservice:codeliste:fehlernummer', listVersionId: '1.0' } as const;

/** Catalogue codes → the XTA Fehlernummer that names the problem in XTA's own terms. */
const FEHLERNUMMER_OF: Partial<Record<string, XtaErrorName>> = {
  [ErrorCode.ENCRYPTION]: 'PROFILE_VIOLATION',
  [ErrorCode.HASH_MISMATCH]: 'PROFILE_VIOLATION',
  [ErrorCode.ATTACHMENTS_MISMATCH]: 'PROFILE_VIOLATION',
  [ErrorCode.MISSING_ATTACHMENTS]: 'PROFILE_VIOLATION',
  [ErrorCode.SYNTAX_VIOLATION]: 'SCHEMA_VIOLATION',
  [ErrorCode.SCHEMA_VIOLATION]: 'SCHEMA_VIOLATION',
  [ErrorCode.MISSING_DATA]: 'SCHEMA_VIOLATION',
  [ErrorCode.UNSUPPORTED_SCHEMA]: 'SCHEMA_VIOLATION',
  [ErrorCode.UNSUPPORTED_SERVICE]: 'SERVICE_NOT_BOOKED',
  [ErrorCode.SERVICE_MISMATCH]: 'SERVICE_NOT_BOOKED',
  // an XTA message is refused for one reason only: over limits.submissionBytes, found when its encrypted content is opened
  [ErrorCode.INPUT_REFUSED]: 'MESSAGE_TOO_LARGE',
  [ErrorCode.NO_ROUTE]: 'DELIVERY_ERROR',
  [ErrorCode.DELIVERY_PERMANENT]: 'DELIVERY_ERROR',
  [ErrorCode.DELIVERY_TRANSIENT]: 'DELIVERY_ERROR',
};

/** An error record for a rejection or failure: the XTA Fehlernummer, its official name and the detail. */
export function xtaErrorRecord(problem: SubmissionProblem | null, fallback: string, at: Date): TransportRecord {
  const entry = XTA_ERRORS[(problem && FEHLERNUMMER_OF[problem.code]) ?? 'INTERNAL_ERROR'];
  return { timestamp: at, code: entry.code, reason: `${entry.name} ${problem?.detail ?? fallback}`.trim(), ...FEHLERNUMMER_LIST };
}

/**
 * The sender's transport report from the journal (xta-osci.md, getTransportReport): 0 open while the
 * hub works on it, 1 green once every route is delivered, 2 yellow while a delivery is being retried,
 * 3 red when the message was rejected (cannot be opened or mapped) or failed for good.
 */
export function transportReportOf(row: SubmissionRow, meta: XtaMeta, deliveries: readonly DeliveryRow[], serverIdentity: string, now = new Date()): TransportReport {
  const base = { messageMetaData: meta.messageMetaData, reportTime: now, serverIdentity };
  const at = row.updatedAt;
  const record = (code: string, reason: string): TransportRecord => ({ timestamp: at, code, reason });
  switch (row.state) {
    case 'DELIVERED':
      return { ...base, status: TransportStatus.GREEN, infos: [record(RECORD.delivered, `zugestellt auf ${deliveries.length} Weg(en)`)] };
    case 'REJECTED':
    case 'FAILED':
      return { ...base, status: TransportStatus.RED, errors: [xtaErrorRecord(row.problem, row.reason ?? '', at)] };
    case 'CREATED':
    case 'RECEIVED':
    case 'OPENED':
    case 'MAPPED':
    case 'ROUTED':
    case 'DELIVERING': {
      const retrying = deliveries.filter((d) => d.state === 'PENDING' && d.lastError !== null);
      if (retrying.length > 0) {
        return { ...base, status: TransportStatus.YELLOW, warnings: retrying.map((d) => record(RECORD.retrying, `Weg ${d.routeId}: die Zustellung wird wiederholt`)) };
      }
      return { ...base, status: TransportStatus.OPEN, infos: [record(RECORD.received, `in Bearbeitung (${row.state})`)] };
    }
  }
}
