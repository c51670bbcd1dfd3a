// Charts drawn as inline SVG from the admin API's numbers: no chart library, no inline styles
// (colours come from classes in console.css, so the strict CSP holds). The viewBox is about as wide
// as a phone's content column, so axis text stays readable from 390 px up to a desktop card.
import { s } from './dom.js';
import { formatNumber, lang, t } from './i18n.js';

const W = 360;
const H = 180;
const PAD = { top: 12, right: 10, bottom: 34, left: 40 };
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A round upper end for the y axis (at least 4, so small counts get whole-number ticks). */
export function niceMax(value) {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

/**
 * Bars per bucket (hour or day) for one tenant: delivered at the bottom, failed stacked on top in
 * the alert colour. `max` is shared by every tenant's chart, so bars compare across charts. The
 * bucket holding the current time is marked (`data-current`). `period` names the range in the chart's
 * accessible name (e.g. "letzte 7 Tage").
 */
export function activityChart(tenant, buckets, { max, bucket, now = Date.now(), period }) {
  const totalDelivered = buckets.reduce((a, b) => a + b.delivered, 0);
  const totalFailed = buckets.reduce((a, b) => a + b.failed, 0);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, buckets.length);
  const y = (v) => PAD.top + plotH - (v / max) * plotH;
  const label = t('chart.summary', { tenant, delivered: formatNumber(totalDelivered), failed: formatNumber(totalFailed), period });
  const locale = lang() === 'de' ? 'de-DE' : 'en-GB';
  const tick = new Intl.DateTimeFormat(locale, bucket === 'day' ? { day: '2-digit', month: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
  const full = new Intl.DateTimeFormat(locale, bucket === 'day' ? { dateStyle: 'medium' } : { dateStyle: 'short', timeStyle: 'short' });
  const size = bucket === 'day' ? DAY : HOUR;

  const grid = [0, max / 4, max / 2, (3 * max) / 4, max].map((v) =>
    s('g', {},
      s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: v === 0 ? 'grid base' : 'grid' }),
      v === Math.round(v) ? s('text', { x: PAD.left - 5, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, formatNumber(v)) : null));
  const bars = buckets.map((b, i) => {
    const x = PAD.left + i * step + (step > 4 ? 1 : 0);
    const width = Math.max(1, step - (step > 4 ? 2 : 0));
    const current = now >= b.start.getTime() && now < b.start.getTime() + size;
    const mark = current ? { 'data-current': 'true' } : {};
    return s('g', { class: current ? 'bar current' : 'bar' },
      s('title', {}, t('chart.bar', { hour: full.format(b.start), delivered: b.delivered, failed: b.failed })),
      current ? s('rect', { x: PAD.left + i * step, width: step, y: PAD.top, height: plotH, class: 'now' }) : null,
      b.delivered > 0 ? s('rect', { x, width, y: y(b.delivered), height: y(0) - y(b.delivered), class: 'delivered', ...mark }) : null,
      b.failed > 0 ? s('rect', { x, width, y: y(b.delivered + b.failed), height: y(b.delivered) - y(b.delivered + b.failed), class: 'failed', ...mark }) : null);
  });
  // at most six labels on the time axis, the last one at the newest bucket
  const every = Math.max(1, Math.ceil(buckets.length / 6));
  const ticks = buckets.map((b, i) => ((buckets.length - 1 - i) % every === 0
    ? s('text', { x: PAD.left + i * step + step / 2, y: H - PAD.bottom + 14, class: 'axis', 'text-anchor': 'middle' }, tick.format(b.start))
    : null));
  const axisTitles = [
    s('text', { x: 12, y: PAD.top + plotH / 2, class: 'axis-title', 'text-anchor': 'middle', transform: `rotate(-90 12 ${PAD.top + plotH / 2})` }, t('chart.yAxis')),
    s('text', { x: PAD.left + plotW / 2, y: H - 4, class: 'axis-title', 'text-anchor': 'middle' }, t(bucket === 'day' ? 'chart.xAxisDay' : 'chart.xAxisHour')),
  ];
  return s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, class: 'chart', focusable: 'false' },
    s('title', {}, label), grid, bars, ticks, axisTitles);
}

/** A sparkline of per-minute counts (oldest first) with its sum as the accessible name. */
export function sparkline(values) {
  const width = 120;
  const height = 24;
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${((i / Math.max(1, values.length - 1)) * width).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  const label = t('queues.trendLabel', { count: formatNumber(values.reduce((a, b) => a + b, 0)) });
  return s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label, class: 'spark', focusable: 'false' },
    s('title', {}, label), s('polyline', { points, class: 'line' }));
}

/** A horizontal bar for a share of the largest value (used in the OZG table). */
export function shareBar(value, max) {
  const width = 160;
  const w = max > 0 ? Math.max(value > 0 ? 2 : 0, (value / max) * width) : 0;
  return s('svg', { viewBox: `0 0 ${width} 12`, width, height: 12, 'aria-hidden': 'true', class: 'share', focusable: 'false' },
    s('rect', { x: 0, y: 0, width, height: 12, class: 'track' }),
    s('rect', { x: 0, y: 0, width: w, height: 12, class: 'delivered' }));
}

/**
 * Buckets (UTC hours or days, like the journal's date_trunc) covering the range, oldest first,
 * filled from the API's activity rows of one tenant: { start: Date, delivered, failed }.
 */
export function timeBuckets(rows, range) {
  const size = range.bucket === 'day' ? DAY : HOUR;
  const first = Math.floor(Date.parse(range.from) / size);
  const last = Math.floor((Date.parse(range.to) - 1) / size);
  const buckets = [];
  for (let i = first; i <= last; i += 1) buckets.push({ start: new Date(i * size), delivered: 0, failed: 0 });
  for (const row of rows) {
    const bucket = buckets[Math.floor(Date.parse(row.hour) / size) - first];
    if (bucket) {
      bucket.delivered += row.delivered;
      bucket.failed += row.failed;
    }
  }
  return buckets;
}
