// Upstream connections on the overview: FIT-Connect Zustelldienste and XTA message boxes the hub picks up
// from, with the last poll, the last error, what waits for an answer upstream and how old the oldest is, and
// for XTA boxes what the last poll had to leave in the box and entries whose close the intermediary does not take.
// Overdue submissions (older than upstreamOverdueAfter, not yet accepted) get a warning: FIT-Connect
// auto-rejects a submission 14 days after it was sent.
import { h, table } from './dom.js';
import { formatAge, formatNumber, formatTime, t } from './i18n.js';
import { errorText } from './terms.js';

/** A poll error is current when no success came after it. */
function errorCell(u) {
  if (!u.lastError) return '–';
  // the hub tells whether the error is the last finished poll's (upstreams/status.ts)
  const current = u.lastPollFailed;
  return h('span', { class: current ? 'error' : 'muted', title: u.lastError.message, 'data-testid': 'upstream-error' },
    errorText(u.lastError.message), h('br'), h('span', { class: 'muted small' }, formatTime(u.lastError.at)));
}

/** What waits for an answer; for XTA also what the last poll left in the box without taking it in. */
function backlogCell(u) {
  const backlog = h('span', { 'data-testid': 'upstream-backlog' }, formatNumber(u.backlog));
  if (!u.waitingUpstream) return backlog;
  const age = u.oldestWaitingUpstreamAgeSeconds === undefined ? '–' : formatAge(u.oldestWaitingUpstreamAgeSeconds * 1000);
  return [backlog, h('br'), h('span', { class: 'error small', 'data-testid': 'upstream-waiting' }, t('upstreams.waitingUpstream', { count: formatNumber(u.waitingUpstream), age }))];
}

/** The upstream table, with one warning per upstream holding overdue submissions. */
export function upstreamsSection(list, names) {
  if (list.length === 0) return h('p', { 'data-testid': 'no-upstreams' }, t('none'));
  const warnings = list.filter((u) => u.overdue > 0).map((u) =>
    // FIT-Connect's Zustelldienst auto-rejects after 14 days; an XTA intermediary was answered by the close already
    h('p', { class: 'error', role: 'alert', 'data-testid': 'upstream-overdue' }, t(u.kind === 'xta' ? 'upstreams.overdueWarningXta' : 'upstreams.overdueWarning', { id: u.id, count: formatNumber(u.overdue) })));
  // XTA: entries the intermediary keeps listing however often the hub closes them (the hub took them in once)
  const closeWarnings = list.filter((u) => u.closeNotTaken > 0).map((u) =>
    h('p', { class: 'error', role: 'alert', 'data-testid': 'upstream-close-not-taken' }, t('upstreams.closeNotTakenWarning', { id: u.id, count: formatNumber(u.closeNotTaken) })));
  return [
    ...warnings,
    ...closeWarnings,
    table(t('upstreams.heading'),
      [t('upstreams.id'), t('upstreams.kind'), t('col.tenant'), t('upstreams.lastSuccess'), t('upstreams.lastError'), t('upstreams.backlog'), t('upstreams.oldest'), t('upstreams.overdue')],
      list.map((u) => [
        h('span', { class: 'mono' }, u.id),
        u.kind === 'xta' ? 'XTA 2' : 'FIT-Connect',
        names.tenant(u.tenant),
        formatTime(u.lastSuccessAt),
        errorCell(u),
        backlogCell(u),
        u.oldestUnacknowledgedAgeSeconds === undefined ? '–' : formatAge(u.oldestUnacknowledgedAgeSeconds * 1000),
        h('span', { class: u.overdue > 0 ? 'error' : '' }, formatNumber(u.overdue)),
      ]), { class: 'visually-hidden-caption', 'data-testid': 'upstreams' }),
  ];
}
