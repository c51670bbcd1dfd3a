// The overview: for a chosen time range, activity charts per tenant on one shared scale, the newest
// dead letters with replay/discard, adapters with their health, queues, OZG progress (delivered per
// service) and submissions by state. It refreshes itself (refresh.js) and says when it read its numbers.
import { askDiscardReason, discard, replay } from './actions.js';
import { get, post } from './api.js';
import { activityChart, niceMax, shareBar, sparkline, timeBuckets } from './charts.js';
import { announce, h, localInput, table } from './dom.js';
import { formatAge, formatNumber, formatTime, t, tn } from './i18n.js';
import { namesOf } from './names.js';
import { liveTitle } from './refresh.js';
import { errorText, stateLabel } from './terms.js';
import { upstreamsSection } from './upstreams.js';
import { warningsSection } from './warnings.js';

const PRESETS = { '6h': 6, '24h': 24, '3d': 72, '7d': 168, '30d': 720 };
const DEFAULT_PRESET = '24h';
const DASHBOARD_DEAD_LETTERS = 20;

function section(id, heading, ...content) {
  return h('section', { 'aria-labelledby': id, class: 'card' }, h('h2', { id }, heading), content);
}

function failure(result) {
  return h('p', { class: 'error', role: 'alert' }, t('error', { detail: result.reason?.message ?? String(result.reason) }));
}

function settled(result, render) {
  return result.status === 'fulfilled' ? render(result.value) : failure(result);
}

/** The range the hash asks for: a preset (sliding with the clock) or a fixed from/to. */
function chosenRange(params, now) {
  const from = params.get('from');
  const to = params.get('to');
  if (from && to) return { preset: 'custom', from, to };
  const preset = PRESETS[params.get('range')] ? params.get('range') : DEFAULT_PRESET;
  return { preset, from: new Date(now - PRESETS[preset] * 3600_000).toISOString(), to: new Date(now).toISOString() };
}

function rangeForm(ctx, range) {
  const from = h('input', { id: 'range-from', type: 'datetime-local', value: localInput(range.from), disabled: range.preset !== 'custom' });
  const to = h('input', { id: 'range-to', type: 'datetime-local', value: localInput(range.to), disabled: range.preset !== 'custom' });
  const preset = h('select', { id: 'range-preset', onchange: () => { from.disabled = preset.value !== 'custom'; to.disabled = preset.value !== 'custom'; } },
    [...Object.keys(PRESETS), 'custom'].map((p) => h('option', { value: p, selected: p === range.preset }, t(`range.${p}`))));
  const form = h('form', { class: 'range', 'aria-label': t('range.label') },
    h('div', { class: 'field' }, h('label', { for: 'range-preset' }, t('range.label')), preset),
    h('div', { class: 'field' }, h('label', { for: 'range-from' }, t('range.from')), from),
    h('div', { class: 'field' }, h('label', { for: 'range-to' }, t('range.to')), to),
    h('div', { class: 'field submit' }, h('button', { type: 'submit', class: 'secondary' }, t('range.apply'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (preset.value !== 'custom') return ctx.navigate(`#/?range=${preset.value}`);
    if (!from.value || !to.value) return announce(t('range.incomplete'), 'error');
    ctx.navigate(`#/?${new URLSearchParams({ from: new Date(from.value).toISOString(), to: new Date(to.value).toISOString() })}`);
  });
  return form;
}

/** The range in words, for the charts' accessible names: the preset's name, or the chosen from–to. */
function periodOf(range) {
  return range.preset === 'custom' ? `${formatTime(range.from)} – ${formatTime(range.to)}` : t(`range.${range.preset}`);
}

function activitySection(stats, names, now, period) {
  const byTenant = new Map();
  for (const row of stats.activity) byTenant.set(row.tenantId, [...(byTenant.get(row.tenantId) ?? []), row]);
  if (byTenant.size === 0) return [h('p', {}, t('chart.noData', { period }))];
  const series = [...byTenant.entries()].map(([tenantId, rows]) => ({ name: names.tenant(tenantId), buckets: timeBuckets(rows, stats.range) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  // one scale for all tenants: equal heights mean equal counts
  const max = niceMax(Math.max(0, ...series.flatMap((x) => x.buckets.map((b) => b.delivered + b.failed))));
  const legend = h('p', { class: 'legend', 'aria-hidden': 'true' },
    h('span', { class: 'swatch delivered' }), t('chart.delivered'), ' ', h('span', { class: 'swatch failed' }), t('chart.failed'));
  return [legend, h('div', { class: 'charts' }, series.map((x) =>
    h('figure', {}, h('figcaption', {}, x.name), activityChart(x.name, x.buckets, { max, bucket: stats.range.bucket, now, period }))))];
}

function statesTable(stats, names) {
  if (stats.countsByState.length === 0) return h('p', {}, t('none'));
  return table(t('states.heading'), [t('col.tenant'), t('col.state'), t('col.count')],
    stats.countsByState.map((r) => [names.tenant(r.tenantId), h('span', { class: `state state-${r.state}` }, stateLabel(r.state)), formatNumber(r.count)]), { class: 'compact' });
}

function queuesTable(queues) {
  if (queues.length === 0) return h('p', {}, t('none'));
  return table(t('queues.heading'),
    [t('queues.name'), t('queues.waiting'), t('queues.active'), t('queues.delayed'), t('queues.failed'), t('queues.oldest'), t('queues.lastHour'), t('queues.trend')],
    queues.map((q) => [
      h('span', { class: 'mono' }, q.name),
      formatNumber((q.counts.waiting ?? 0) + (q.counts.paused ?? 0) + (q.counts.prioritized ?? 0)),
      formatNumber(q.counts.active ?? 0),
      formatNumber(q.counts.delayed ?? 0),
      formatNumber(q.counts.failed ?? 0),
      formatAge(q.oldestWaitingAgeMs),
      q.deliveredLastHour === null ? '–' : formatNumber(q.deliveredLastHour),
      q.throughputPerMinute ? sparkline(q.throughputPerMinute) : '–',
    ]), { class: 'visually-hidden-caption' });
}

function healthCell(health) {
  const reasons = health.reasons.map((r) => t(`health.reason.${r}`)).join(', ');
  return h('div', { class: 'health' },
    h('span', { class: `verdict verdict-${health.verdict}`, 'data-testid': 'health-verdict' }, t(`health.${health.verdict}`)),
    reasons ? h('span', { class: 'muted small' }, reasons) : null);
}

function checkCell(check) {
  if (!check) return t('health.notChecked');
  return h('span', { title: check.detail ?? '' }, check.ok ? t('health.checkOk') : t('health.checkFailed', { detail: errorText(check.detail) }), h('br'), h('span', { class: 'muted small' }, formatTime(check.at)));
}

function adaptersTable(adapters, ctx, names) {
  if (adapters.length === 0) return h('p', {}, t('none'));
  return table(t('adapters.heading'),
    [t('adapters.id'), t('adapters.health'), t('adapters.streak'), t('adapters.lastSuccess'), t('adapters.lastError'), t('adapters.check'), t('adapters.circuit'), t('adapters.state'), t('adapters.tenants'), t('col.actions')],
    adapters.map((a) => [
      h('span', {}, h('span', { class: 'mono' }, a.id), h('br'), h('span', { class: 'muted small' }, a.kind)),
      healthCell(a.health),
      h('span', { 'data-testid': 'failure-streak' }, formatNumber(a.health.deliveries.failureStreak)),
      formatTime(a.health.deliveries.lastSuccessAt),
      a.health.deliveries.lastError
        ? h('span', { title: a.health.deliveries.lastError }, errorText(a.health.deliveries.lastError), h('br'), h('span', { class: 'muted small' }, formatTime(a.health.deliveries.lastErrorAt)))
        : '–',
      checkCell(a.health.check),
      h('span', { class: `circuit circuit-${a.circuit.state}` }, t(`circuit.${a.circuit.state}`)),
      a.paused ? t('adapters.paused') : t('adapters.running'),
      a.tenants.map(names.tenant).join(', '),
      ctx.me.role === 'auditor' ? '–' : h('button', {
        type: 'button',
        class: 'secondary',
        onclick: () => ctx.act(async () => {
          await post(`/adapters/${encodeURIComponent(a.id)}/${a.paused ? 'resume' : 'pause'}`);
          announce(t(a.paused ? 'action.resumed' : 'action.paused', { id: a.id }));
        }),
      }, t(a.paused ? 'adapters.resume' : 'adapters.pause', { id: a.id })),
    ]), { class: 'visually-hidden-caption', 'data-testid': 'adapters' });
}

/** The failed routes of a dead letter with their errors in the console's language (original as title). */
export function failedRoutesList(routes) {
  return h('ul', { class: 'plain' }, routes.map((r) => h('li', { title: r.lastError ?? '' }, h('span', { class: 'mono' }, r.routeId), `: ${errorText(r.lastError)}`)));
}

function deadLetterTable(page, ctx, names) {
  if (page.items.length === 0) return h('p', { 'data-testid': 'no-dead-letters' }, t('none'));
  const readOnly = ctx.me.role === 'auditor';
  return [table(t('dead.heading'),
    [t('col.submission'), t('col.tenant'), t('col.service'), t('dead.failedRoutes'), t('col.created'), t('col.actions')],
    page.items.map((d) => [
      h('a', { href: `#/submissions/${encodeURIComponent(d.submissionId)}`, class: 'mono' }, d.submissionId),
      names.tenant(d.tenantId),
      names.service(d.serviceIdentifier),
      d.failedRoutes.length > 0 ? failedRoutesList(d.failedRoutes) : h('span', { title: d.reason ?? '' }, errorText(d.reason)),
      formatTime(d.createdAt),
      h('div', { class: 'buttons' },
        h('a', { href: `#/submissions/${encodeURIComponent(d.submissionId)}`, class: 'button secondary', 'aria-label': t('dead.timelineLabel', { id: d.submissionId }) }, t('dead.timeline')),
        readOnly ? null : h('button', {
          type: 'button',
          'aria-label': t('dead.replayLabel', { id: d.submissionId }),
          onclick: () => ctx.act(async () => {
            await replay(d.submissionId, 'deliver');
            announce(t('action.replayed', { id: d.submissionId }));
          }),
        }, t('dead.replay')),
        readOnly ? null : h('button', {
          type: 'button',
          class: 'danger',
          'aria-label': t('dead.discardLabel', { id: d.submissionId }),
          onclick: async () => {
            const reason = await askDiscardReason(d.submissionId);
            if (reason === null) return;
            await ctx.act(async () => {
              await discard(d.submissionId, reason);
              announce(t('action.discarded', { id: d.submissionId }));
            });
          },
        }, t('dead.discard')),
      ),
    ]), { 'data-testid': 'dead-letters', class: 'visually-hidden-caption' }),
  h('p', {}, h('a', { href: '#/dead-letters' }, tn('dead.all', page.total, { total: formatNumber(page.total) })))];
}

function ozgTable(stats, names) {
  const rows = stats.deliveredByService;
  if (rows.length === 0) return h('p', {}, t('none'));
  const max = Math.max(...rows.map((r) => r.delivered));
  return table(t('ozg.heading'), [t('ozg.service'), t('col.tenant'), t('ozg.delivered'), ''],
    rows.map((r) => [names.service(r.serviceIdentifier), names.tenant(r.tenantId), formatNumber(r.delivered), shareBar(r.delivered, max)]),
    { class: 'visually-hidden-caption' });
}

/** Renders the overview into `main`. */
export async function renderDashboard(main, ctx, params) {
  const now = Date.now();
  const range = chosenRange(params, now);
  const stats = new URLSearchParams({ from: range.from, to: range.to });
  const [statsResult, queues, adapters, dead, upstreams, names] = await Promise.all([
    ...[get(`/stats?${stats}`), get('/queues'), get('/adapters'), get(`/dead-letters?limit=${DASHBOARD_DEAD_LETTERS}`), get('/upstreams')].map((p) => p.then(
      (value) => ({ status: 'fulfilled', value }),
      (reason) => ({ status: 'rejected', reason }),
    )),
    namesOf(),
  ]);
  const warnings = await warningsSection(ctx);
  const asOf = new Date();
  main.replaceChildren(
    liveTitle(ctx, t('dash.heading'), asOf),
    ...(warnings ? [warnings] : []),
    h('section', { class: 'card', 'aria-label': t('range.label') }, rangeForm(ctx, range)),
    section('dead-h', t('dead.heading'), settled(dead, (v) => deadLetterTable(v, ctx, names))),
    section('activity-h', t(range.preset === 'custom' ? 'chart.headingRange' : `chart.heading.${range.preset}`), settled(statsResult, (v) => activitySection(v, names, now, periodOf(range)))),
    section('adapters-h', t('adapters.heading'), settled(adapters, (v) => adaptersTable(v, ctx, names))),
    section('upstreams-h', t('upstreams.heading'), settled(upstreams, (v) => upstreamsSection(v, names))),
    section('queues-h', t('queues.heading'), settled(queues, queuesTable)),
    h('div', { class: 'columns' },
      section('ozg-h', t('ozg.heading'), settled(statsResult, (v) => ozgTable(v, names))),
      section('states-h', t('states.heading'), settled(statsResult, (v) => statesTable(v, names)))),
  );
}
