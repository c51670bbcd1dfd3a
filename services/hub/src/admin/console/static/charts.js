// Charts drawn as inline SVG from the admin API's numbers: no chart library, no inline styles
// (colours come from classes in console.css, so the strict CSP holds).
import { s } from './dom.js';
import { formatNumber, lang, t } from './i18n.js';

const W = 480;
const H = 140;
const PAD = { top: 10, right: 8, bottom: 22, left: 32 };

function niceMax(value) {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / magnitude) * magnitude;
}

/**
 * Bars per hour for one tenant: delivered above the axis, failed stacked on top in the alert colour.
 * `hours` are 24 hourly buckets, oldest first: { hour: Date, delivered, failed }.
 */
export function activityChart(tenant, hours) {
  const totalDelivered = hours.reduce((a, b) => a + b.delivered, 0);
  const totalFailed = hours.reduce((a, b) => a + b.failed, 0);
  const max = niceMax(Math.max(...hours.map((b) => b.delivered + b.failed), 0));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / hours.length;
  const y = (v) => PAD.top + plotH - (v / max) * plotH;
  const label = t('chart.summary', { tenant, delivered: formatNumber(totalDelivered), failed: formatNumber(totalFailed) });
  const hourFmt = new Intl.DateTimeFormat(lang() === 'de' ? 'de-DE' : 'en-GB', { hour: '2-digit', minute: '2-digit' });

  const grid = [0, max / 2, max].map((v) =>
    s('g', {},
      s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: PAD.left - 4, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, formatNumber(v)),
    ));
  const bars = hours.map((b, i) => {
    const x = PAD.left + i * step + 1;
    const width = Math.max(1, step - 2);
    return s('g', { class: 'bar' },
      s('title', {}, t('chart.bar', { hour: hourFmt.format(b.hour), delivered: b.delivered, failed: b.failed })),
      b.delivered > 0 ? s('rect', { x, width, y: y(b.delivered), height: y(0) - y(b.delivered), class: 'delivered' }) : null,
      b.failed > 0 ? s('rect', { x, width, y: y(b.delivered + b.failed), height: y(b.delivered) - y(b.delivered + b.failed), class: 'failed' }) : null,
    );
  });
  const ticks = hours.map((b, i) => (i % 6 === 0 ? s('text', { x: PAD.left + i * step, y: H - 6, class: 'axis' }, hourFmt.format(b.hour)) : null));
  return s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, class: 'chart', focusable: 'false' },
    s('title', {}, label), grid, bars, ticks);
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

/** 24 hourly buckets ending with the current hour, filled from the API's activity rows of one tenant. */
export function hourlyBuckets(rows, now = Date.now()) {
  // whole hours since the epoch: the journal truncates to hours the same way (date_trunc)
  const current = Math.floor(now / 3600_000);
  const buckets = [];
  for (let i = 23; i >= 0; i -= 1) buckets.push({ hour: new Date((current - i) * 3600_000), delivered: 0, failed: 0 });
  for (const row of rows) {
    const index = 23 - (current - Math.floor(new Date(row.hour).getTime() / 3600_000));
    const bucket = buckets[index];
    if (bucket) {
      bucket.delivered += row.delivered;
      bucket.failed += row.failed;
    }
  }
  return buckets;
}
