// The dashboard: activity charts per tenant, submissions by state, queues, adapters with their
// circuit, the dead letters with replay/discard, and OZG progress (delivered per service).
import { askDiscardReason, discard, replay } from './actions.js';
import { get, post } from './api.js';
import { activityChart, hourlyBuckets, shareBar, sparkline } from './charts.js';
import { announce, h, table } from './dom.js';
import { formatAge, formatNumber, formatTime, t } from './i18n.js';

function section(id, heading, ...content) {
  return h('section', { 'aria-labelledby': id, class: 'card' }, h('h2', { id }, heading), content);
}

function failure(result) {
  return h('p', { class: 'error', role: 'alert' }, t('error', { detail: result.reason?.message ?? String(result.reason) }));
}

function settled(result, render) {
  return result.status === 'fulfilled' ? render(result.value) : failure(result);
}

function activitySection(stats, tenantName) {
  const byTenant = new Map();
  for (const row of stats.activity) byTenant.set(row.tenantId, [...(byTenant.get(row.tenantId) ?? []), row]);
  const legend = h('p', { class: 'legend', 'aria-hidden': 'true' },
    h('span', { class: 'swatch delivered' }), t('chart.delivered'), ' ', h('span', { class: 'swatch failed' }), t('chart.failed'));
  if (byTenant.size === 0) return [h('p', {}, t('chart.noData'))];
  return [legend, h('div', { class: 'charts' }, [...byTenant.entries()].sort().map(([tenantId, rows]) =>
    h('figure', {}, h('figcaption', {}, tenantName(tenantId)), activityChart(tenantName(tenantId), hourlyBuckets(rows)))))];
}

function statesTable(stats, tenantName) {
  if (stats.countsByState.length === 0) return h('p', {}, t('none'));
  return table(t('states.heading'), [t('col.tenant'), t('col.state'), t('col.count')],
    stats.countsByState.map((r) => [tenantName(r.tenantId), h('span', { class: `state state-${r.state}` }, r.state), formatNumber(r.count)]), { class: 'compact' });
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

function adaptersTable(adapters, ctx) {
  if (adapters.length === 0) return h('p', {}, t('none'));
  return table(t('adapters.heading'),
    [t('adapters.id'), t('adapters.kind'), t('adapters.tenants'), t('adapters.circuit'), t('adapters.failures'), t('adapters.state'), t('col.actions')],
    adapters.map((a) => [
      h('span', { class: 'mono' }, a.id),
      a.kind,
      a.tenants.join(', '),
      h('span', { class: `circuit circuit-${a.circuit.state}` }, t(`circuit.${a.circuit.state}`)),
      formatNumber(a.circuit.failures),
      a.paused ? t('adapters.paused') : t('adapters.running'),
      ctx.me.role === 'auditor' ? '–' : h('button', {
        type: 'button',
        class: 'secondary',
        onclick: () => ctx.act(async () => {
          await post(`/adapters/${encodeURIComponent(a.id)}/${a.paused ? 'resume' : 'pause'}`);
          announce(t(a.paused ? 'action.resumed' : 'action.paused', { id: a.id }));
        }),
      }, t(a.paused ? 'adapters.resume' : 'adapters.pause', { id: a.id })),
    ]), { class: 'visually-hidden-caption' });
}

function deadLetterTable(page, ctx, tenantName, serviceName) {
  if (page.items.length === 0) return h('p', { 'data-testid': 'no-dead-letters' }, t('none'));
  const readOnly = ctx.me.role === 'auditor';
  return table(t('dead.heading'),
    [t('col.submission'), t('col.tenant'), t('col.service'), t('dead.failedRoutes'), t('col.created'), t('col.actions')],
    page.items.map((d) => [
      h('a', { href: `#/submissions/${encodeURIComponent(d.submissionId)}`, class: 'mono' }, d.submissionId),
      tenantName(d.tenantId),
      serviceName(d.serviceIdentifier),
      h('ul', { class: 'plain' }, d.failedRoutes.map((r) => h('li', {}, h('span', { class: 'mono' }, r.routeId), `: ${r.lastError ?? '–'}`))),
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
    ]), { 'data-testid': 'dead-letters', class: 'visually-hidden-caption' });
}

function ozgTable(stats, tenantName, serviceName) {
  const rows = stats.deliveredByService;
  if (rows.length === 0) return h('p', {}, t('none'));
  const max = Math.max(...rows.map((r) => r.delivered));
  return table(t('ozg.heading'), [t('ozg.service'), t('col.tenant'), t('ozg.delivered'), ''],
    rows.map((r) => [serviceName(r.serviceIdentifier), tenantName(r.tenantId), formatNumber(r.delivered), shareBar(r.delivered, max)]),
    { class: 'visually-hidden-caption' });
}

/** Renders the dashboard into `main`. */
export async function renderDashboard(main, ctx) {
  const [stats, queues, adapters, dead, tenants, destinations] = await Promise.allSettled([
    get('/stats'), get('/queues'), get('/adapters'), get('/dead-letters?limit=100'), get('/tenants'), get('/destinations'),
  ]);
  const names = new Map(tenants.status === 'fulfilled' ? tenants.value.map((x) => [x.id, x.name]) : []);
  const services = new Map(destinations.status === 'fulfilled' ? destinations.value.flatMap((d) => d.services.map((x) => [x.identifier, x.name])) : []);
  const tenantName = (id) => names.get(id) ?? id;
  const serviceName = (id) => services.get(id) ?? id;

  main.replaceChildren(
    h('div', { class: 'title-row' },
      h('h1', { tabindex: '-1' }, t('dash.heading')),
      h('p', { class: 'muted' }, t('dash.updated', { time: formatTime(new Date().toISOString()) })),
      h('button', { type: 'button', class: 'secondary', onclick: () => ctx.refresh() }, t('refresh'))),
    section('dead-h', t('dead.heading'), settled(dead, (v) => deadLetterTable(v, ctx, tenantName, serviceName))),
    section('activity-h', t('chart.heading'), settled(stats, (v) => activitySection(v, tenantName))),
    section('adapters-h', t('adapters.heading'), settled(adapters, (v) => adaptersTable(v, ctx))),
    section('queues-h', t('queues.heading'), settled(queues, queuesTable)),
    h('div', { class: 'columns' },
      section('ozg-h', t('ozg.heading'), settled(stats, (v) => ozgTable(v, tenantName, serviceName))),
      section('states-h', t('states.heading'), settled(stats, (v) => statesTable(v, tenantName)))),
  );
}
