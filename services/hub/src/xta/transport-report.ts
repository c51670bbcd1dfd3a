import type { DeliveryRow, SubmissionRow } from '@weiche/journal';
import { TransportStatus, type MessageMetaData, type TransportRecord, type TransportReport } from '@weiche/xta';

// Codes of the report records: the hub's own until KoSIT publishes `urn:de:xta:codeliste:record.type`.
const RECORD = { rejected: 'REJECTED', failed: 'FAILED', retrying: 'DELIVERY_RETRY', delivered: 'DELIVERED', received: 'RECEIVED' } as const;

/**
 * The sender's transport report from the journal (xta-osci.md, getTransportReport): 0 open while the
 * hub works on it, 1 green once every route is delivered, 2 yellow while a delivery is being retried,
 * 3 red when the message was rejected (cannot be opened or mapped) or failed for good.
 */
export function transportReportOf(row: SubmissionRow, deliveries: readonly DeliveryRow[], serverIdentity: string, now = new Date()): TransportReport {
  const meta = row.xtaMeta?.messageMetaData as MessageMetaData;
  const base = { messageMetaData: meta, reportTime: now, serverIdentity };
  const at = row.updatedAt;
  const record = (code: string, reason: string): TransportRecord => ({ timestamp: at, code, reason });
  switch (row.state) {
    case 'DELIVERED':
      return { ...base, status: TransportStatus.GREEN, infos: [record(RECORD.delivered, `delivered on ${deliveries.length} route(s)`)] };
    case 'REJECTED':
      return { ...base, status: TransportStatus.RED, errors: [record(RECORD.rejected, row.reason ?? 'rejected')] };
    case 'FAILED':
      return { ...base, status: TransportStatus.RED, errors: [record(RECORD.failed, row.reason ?? 'failed')] };
    case 'CREATED':
    case 'RECEIVED':
    case 'OPENED':
    case 'MAPPED':
    case 'ROUTED':
    case 'DELIVERING': {
      const retrying = deliveries.filter((d) => d.state === 'PENDING' && d.lastError !== null);
      if (retrying.length > 0) {
        return { ...base, status: TransportStatus.YELLOW, warnings: retrying.map((d) => record(RECORD.retrying, `route ${d.routeId}: delivery is being retried`)) };
      }
      return { ...base, status: TransportStatus.OPEN, infos: [record(RECORD.received, `state ${row.state}`)] };
    }
  }
}
