// "Ende-zu-Ende digital": the OZG progress a Kreis can publish (issue 15). Per month of receipt, how many
// applications arrived and how many reached the back office digitally end to end, as a chart over all
// rows shown and as a table per tenant and service, with CSV export. Counts and times only.
import { download, get } from './api.js';
import { niceMax } from './charts.js';
import { announce, h, s, table } from './dom.js';
import { formatNumber, t } from './i18n.js';
import { namesOf } from './names.js';

const W = 360;
const H = 180;
const PAD = { top: 12, right: 10, bottom: 34, left: 40 };
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** `YYYY-MM` of the month `back` months before now (German local time is close enough for a default). */
function monthBefore(back) {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - back);
  return d.toISOString().slice(0, 7);
}

/** Received per month (track) with the delivered end-to-end part in front; one shared y scale. */
export function endToEndChart(months) {
  const max = niceMax(Math.max(0, ...months.map((m) => m.received)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, months.length);
  const y = (v) => PAD.top + plotH - (v / max) * plotH;
  const received = months.reduce((n, m) => n + m.received, 0);
  const delivered = months.reduce((n, m) => n + m.delivered, 0);
  const label = t('e2e.chartSummary', { received: formatNumber(received), delivered: formatNumber(delivered) });
  const grid = [0, max / 2, max].map((v) => s('g', {},
    s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: v === 0 ? 'grid base' : 'grid' }),
    s('text', { x: PAD.left - 5, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, formatNumber(v))));
  const bars = months.map((m, i) => {
    const x = PAD.left + i * step + 2;
    const width = Math.max(1, step - 4);
    return s('g', { class: 'bar', 'data-month': m.month },
      s('title', {}, t('e2e.bar', { month: m.month, received: m.received, delivered: m.delivered })),
      m.received > 0 ? s('rect', { x, width, y: y(m.received), height: y(0) - y(m.received), class: 'track' }) : null,
      m.delivered > 0 ? s('rect', { x, width, y: y(m.delivered), height: y(0) - y(m.delivered), class: 'delivered' }) : null,
      s('text', { x: x + width / 2, y: H - PAD.bottom + 14, class: 'axis', 'text-anchor': 'middle' }, m.month.slice(2)));
  });
  return s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, class: 'chart e2e', focusable: 'false' },
    s('title', {}, label), grid, bars,
    s('text', { x: 12, y: PAD.top + plotH / 2, class: 'axis-title', 'text-anchor': 'middle', transform: `rotate(-90 12 ${PAD.top + plotH / 2})` }, t('e2e.yAxis')),
    s('text', { x: PAD.left + plotW / 2, y: H - 4, class: 'axis-title', 'text-anchor': 'middle' }, t('e2e.xAxis')));
}

function perMonth(items) {
  const months = new Map();
  for (const r of items) {
    const m = months.get(r.month) ?? { month: r.month, received: 0, delivered: 0 };
    m.received += r.received;
    m.delivered += r.delivered;
    months.set(r.month, m);
  }
  return [...months.values()].sort((a, b) => (a.month < b.month ? -1 : 1));
}

const percent = (share) => (share === null ? '–' : `${formatNumber(Math.round(share * 1000) / 10)} %`);
const duration = (seconds) => (seconds === null ? '–' : seconds < 3600 ? `${formatNumber(Math.round(seconds / 60))} min` : `${formatNumber(Math.round(seconds / 360) / 10)} h`);

/** Renders the view: month range, chart, table and CSV buttons. */
export async function renderOzg(main, ctx, params) {
  const from = MONTH.test(params.get('from') ?? '') ? params.get('from') : monthBefore(11);
  const to = MONTH.test(params.get('to') ?? '') ? params.get('to') : monthBefore(0);
  const query = new URLSearchParams({ from, to });
  const [report, names] = await Promise.all([get(`/ozg-progress?${query}`), namesOf()]);

  const fromInput = h('input', { id: 'ozg-from', name: 'from', type: 'month', value: from });
  const toInput = h('input', { id: 'ozg-to', name: 'to', type: 'month', value: to });
  const form = h('form', { class: 'range', 'aria-label': t('e2e.range') },
    h('div', { class: 'field' }, h('label', { for: 'ozg-from' }, t('range.from')), fromInput),
    h('div', { class: 'field' }, h('label', { for: 'ozg-to' }, t('range.to')), toInput),
    h('div', { class: 'field submit' }, h('button', { type: 'submit', class: 'secondary' }, t('range.apply'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(`#/ozg?${new URLSearchParams({ from: fromInput.value || from, to: toInput.value || to })}`);
  });
  const csv = (dialect) => h('button', {
    type: 'button',
    class: 'secondary',
    onclick: () => ctx.act(async () => {
      announce(t('csv.done', { name: await download(`/ozg-progress.csv?${new URLSearchParams({ from, to, dialect })}`) }));
    }, { reload: false }),
  }, t(`csv.${dialect}`));

  const items = report.items;
  main.replaceChildren(
    h('h1', { id: 'ozg-title', tabindex: '-1' }, t('e2e.heading')),
    h('section', { class: 'card' }, h('p', {}, t('e2e.intro')), form),
    h('section', { class: 'card', 'aria-labelledby': 'e2e-chart-h' },
      h('h2', { id: 'e2e-chart-h' }, t('e2e.chartHeading')),
      items.length === 0 ? h('p', {}, t('none')) : endToEndChart(perMonth(items))),
    h('section', { class: 'card', 'aria-labelledby': 'e2e-table-h' },
      h('h2', { id: 'e2e-table-h' }, t('e2e.tableHeading')),
      items.length === 0 ? null : h('div', { class: 'buttons' }, csv('rfc4180'), csv('excel-de')),
      items.length === 0 ? h('p', {}, t('none')) : table(t('e2e.tableHeading'),
        [t('e2e.month'), t('col.tenant'), t('col.service'), t('e2e.received'), t('e2e.delivered'), t('e2e.share'), t('e2e.rejected'), t('e2e.deadLettered'), t('e2e.delegated'), t('e2e.median')],
        items.map((r) => [r.month, names.tenant(r.tenantId), names.service(r.serviceIdentifier), formatNumber(r.received), formatNumber(r.delivered), percent(r.endToEndShare),
          formatNumber(r.rejected), formatNumber(r.deadLettered), formatNumber(r.delegated), duration(r.medianSecondsToDelivered)]),
        { 'data-testid': 'ozg-progress' })),
  );
}
