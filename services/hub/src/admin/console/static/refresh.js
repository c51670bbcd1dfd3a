// Auto-refresh of the live views (overview, dead letters): the interval is the user's choice for
// this tab, and every view shows when its numbers were read ("as of"), so a stale page says so.
import { h } from './dom.js';
import { formatTime, t } from './i18n.js';

const KEY = 'weiche.refresh';
const CHOICES = [0, 15, 30, 60];
const DEFAULT = 30;

/** Seconds between automatic refreshes; 0 is off. */
export function refreshSeconds() {
  const chosen = Number(sessionStorage.getItem(KEY) ?? DEFAULT);
  return CHOICES.includes(chosen) ? chosen : DEFAULT;
}

function setRefreshSeconds(seconds) {
  sessionStorage.setItem(KEY, String(seconds));
  window.dispatchEvent(new Event('weiche:refresh-changed'));
}

/** The title row of a live view: heading, "as of" time of the data, interval choice and a refresh button. */
export function liveTitle(ctx, heading, asOf) {
  const select = h('select', { id: 'refresh-every', onchange: (event) => setRefreshSeconds(Number(event.target.value)) },
    CHOICES.map((s) => h('option', { value: s, selected: s === refreshSeconds() }, s === 0 ? t('refresh.off') : t('refresh.every', { s }))));
  return h('div', { class: 'title-row' },
    h('h1', { tabindex: '-1' }, heading),
    h('p', { class: 'as-of', 'data-testid': 'as-of' }, h('time', { datetime: asOf.toISOString() }, t('dash.updated', { time: formatTime(asOf.toISOString()) }))),
    h('div', { class: 'refresh' },
      h('label', { for: 'refresh-every' }, t('refresh.label')), select,
      h('button', { type: 'button', class: 'secondary', onclick: () => ctx.refresh() }, t('refresh'))));
}
