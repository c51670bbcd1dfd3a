// Operator warnings on the overview: keys and certificates that expire soon (GET /keys/expiry) and callbacks
// to senders the hub gave up (GET /callbacks?state=GIVEN_UP). Only for operators: both are the hub's, not a tenant's.
import { get } from './api.js';
import { h, table } from './dom.js';
import { formatNumber, formatTime, t } from './i18n.js';

const SHOWN = 10;

function days(seconds) {
  return Math.floor(seconds / 86_400);
}

/** The warnings section, or null when there is nothing to warn about (or the caller is no operator). */
export async function warningsSection(ctx) {
  if (ctx.me.role !== 'operator' || ctx.me.tenants !== 'all') return null;
  const [expiry, givenUp] = await Promise.all([
    get('/keys/expiry').catch(() => null),
    get(`/callbacks?state=GIVEN_UP&limit=${SHOWN}`).catch(() => null),
  ]);
  const expiring = expiry ? expiry.keys.filter((k) => k.warning) : [];
  const unreadable = expiry ? expiry.unreadable : [];
  const callbacks = givenUp ? givenUp.items : [];
  if (expiring.length === 0 && unreadable.length === 0 && callbacks.length === 0) return null;
  const parts = [];
  if (expiring.length > 0 || unreadable.length > 0) {
    parts.push(h('p', { class: 'error', role: 'alert', 'data-testid': 'key-expiry-warning' }, t('warn.keys', { count: formatNumber(expiring.length + unreadable.length), days: expiry.warnDays })));
    parts.push(table(t('warn.keysCaption'), [t('warn.kind'), t('warn.id'), t('warn.notAfter'), t('warn.daysLeft')], [
      ...expiring.map((k) => [k.kind, h('span', { class: 'mono' }, k.id), formatTime(k.notAfter), k.secondsLeft < 0 ? t('warn.expired') : formatNumber(days(k.secondsLeft))]),
      ...unreadable.map((k) => [k.kind, h('span', { class: 'mono' }, k.id), h('span', { title: k.error }, t('warn.unreadable')), '–']),
    ], { class: 'compact' }));
  }
  if (callbacks.length > 0) {
    parts.push(h('p', { class: 'error', role: 'alert', 'data-testid': 'callbacks-given-up' }, t('warn.callbacks', { count: formatNumber(givenUp.total) })));
    parts.push(table(t('warn.callbacksCaption'), [t('col.submission'), t('warn.event'), t('warn.reason'), t('warn.finished')],
      callbacks.map((c) => [h('a', { href: `#/submissions/${encodeURIComponent(c.submissionId)}`, class: 'mono' }, c.submissionId), c.eventName, c.lastError ?? '–', formatTime(c.finishedAt)]),
      { class: 'compact' }));
  }
  return h('section', { 'aria-labelledby': 'warnings-h', class: 'card' }, h('h2', { id: 'warnings-h' }, t('warn.heading')), parts);
}
