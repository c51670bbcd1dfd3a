// Dead letters in bulk: filter by tenant, adapter, service and error text; select rows or every
// match of the filter (not only this page); replay, redeliver or discard them with one reason (the
// API audits each submission with actor, reason and a batch id); export the filter's matches as CSV.
import { confirmAction } from './actions.js';
import { download, get, post } from './api.js';
import { failedRoutesList } from './dashboard.js';
import { announce, h, pager, table } from './dom.js';
import { formatNumber, formatTime, t, tn } from './i18n.js';
import { namesOf } from './names.js';
import { liveTitle } from './refresh.js';
import { errorText } from './terms.js';

const FILTERS = ['tenant', 'adapter', 'service', 'error'];
const PAGE = 50;
const BULK_MAX = 1000;

// What is selected survives automatic refreshes of the same filter (which are held while it is not empty)
let selection = { filterKey: '', all: false, ids: new Set() };

function filterOf(params) {
  const filter = {};
  for (const name of FILTERS) if (params.get(name)) filter[name] = params.get(name);
  return filter;
}

function field(name, label, control) {
  control.id = `f-${name}`;
  control.name = name;
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
}

function choice(name, label, options, current) {
  return field(name, label, h('select', {}, h('option', { value: '' }, t('search.any')),
    options.map(([value, text]) => h('option', { value, selected: current === value }, text))));
}

function filterForm(ctx, filter, names, adapters) {
  const form = h('form', { class: 'search', role: 'search', 'aria-label': t('dl.filter') },
    choice('tenant', t('col.tenant'), names.tenants.map((x) => [x.id, x.name]), filter.tenant),
    choice('adapter', t('detail.adapter'), adapters.map((a) => [a.id, a.id]), filter.adapter),
    choice('service', t('col.service'), names.services.map((x) => [x.identifier, x.name]), filter.service),
    field('error', t('dl.errorText'), h('input', { type: 'search', value: filter.error ?? '', autocomplete: 'off', maxlength: 200 })),
    h('div', { class: 'field submit' }, h('button', { type: 'submit' }, t('dl.apply'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (typeof value === 'string' && value.trim() !== '') query.set(name, value.trim());
    ctx.navigate(`#/dead-letters?${query}`);
  });
  return form;
}

function bulkPanel(ctx, filter, total, onDone) {
  const selected = () => (selection.all ? total : selection.ids.size);
  const count = h('p', { class: 'selected-count', 'aria-live': 'polite', 'data-testid': 'selected-count' });
  const action = h('select', { id: 'bulk-action', name: 'action' },
    ['redeliver', 'replay', 'discard'].map((a) => h('option', { value: a }, t(`dl.action.${a}`))));
  const reason = h('input', { id: 'bulk-reason', name: 'reason', type: 'text', required: true, maxlength: 500, autocomplete: 'off' });
  const submit = h('button', { type: 'submit' }, t('dl.run'));
  const update = () => {
    const n = selected();
    count.textContent = selection.all ? t('dl.selectedAll', { n: formatNumber(n) }) : t('dl.selected', { n: formatNumber(n) });
    submit.disabled = n === 0;
  };
  const form = h('form', { class: 'bulk', 'aria-labelledby': 'bulk-h' },
    h('h2', { id: 'bulk-h' }, t('dl.bulkHeading')), count,
    h('div', { class: 'field' }, h('label', { for: 'bulk-action' }, t('dl.action')), action),
    h('div', { class: 'field grow' }, h('label', { for: 'bulk-reason' }, t('dl.reason')), reason),
    h('div', { class: 'field submit' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const why = reason.value.trim();
    if (!why) return reason.focus();
    const n = selected();
    if (selection.all && n > BULK_MAX) return announce(t('dl.tooMany', { max: formatNumber(BULK_MAX) }), 'error');
    if (!(await confirmAction(tn('dl.confirm', n, { n: formatNumber(n), action: t(`dl.action.${action.value}`) })))) return;
    await ctx.act(async () => {
      const body = { action: action.value, reason: why, ...(selection.all ? { filter } : { ids: [...selection.ids] }) };
      const result = await post('/dead-letters/bulk', body);
      selection = { filterKey: selection.filterKey, all: false, ids: new Set() };
      onDone(result);
    }, { reload: false });
  });
  // a typed reason is work the user has not sent: keep the page still
  ctx.holdRefresh = () => selected() > 0 || reason.value.trim() !== '';
  update();
  return { form, update };
}

function resultPanel(result) {
  const failures = result.results.filter((r) => !r.ok);
  return h('section', { class: 'card', 'aria-labelledby': 'result-h', 'data-testid': 'bulk-result' },
    h('h2', { id: 'result-h' }, t('dl.resultHeading', { action: t(`dl.action.${result.action}`) })),
    h('p', {}, t('dl.result', { ok: formatNumber(result.succeeded), total: formatNumber(result.total), batch: result.batch })),
    failures.length === 0 ? null : table(t('dl.failures'), [t('col.submission'), t('dl.status'), t('dl.why')],
      failures.map((r) => [h('span', { class: 'mono' }, r.submissionId), String(r.status), errorText(r.error)])));
}

/** Renders the dead-letter view for the filter in `params`. */
export async function renderDeadLetters(main, ctx, params) {
  const filter = filterOf(params);
  const filterKey = JSON.stringify(filter);
  if (selection.filterKey !== filterKey) selection = { filterKey, all: false, ids: new Set() };
  const offset = Number(params.get('offset') ?? 0) || 0;
  const query = new URLSearchParams({ ...filter, limit: String(PAGE), offset: String(offset) });
  const [page, names, adapters] = await Promise.all([get(`/dead-letters?${query}`), namesOf(), get('/adapters').catch(() => [])]);
  const asOf = new Date();
  const readOnly = ctx.me.role === 'auditor';
  const results = h('div', { id: 'bulk-results' });
  const bulk = readOnly ? null : bulkPanel(ctx, filter, page.total, (result) => {
    announce(t('dl.result', { ok: formatNumber(result.succeeded), total: formatNumber(result.total), batch: result.batch }), result.failed === 0 ? 'ok' : 'error');
    void ctx.refresh({ keepStatus: true }).then(() => document.getElementById('bulk-results')?.replaceChildren(resultPanel(result)));
  });

  const rowBoxes = page.items.map((d) => h('input', {
    type: 'checkbox',
    'aria-label': t('dl.selectOne', { id: d.submissionId }),
    checked: selection.all || selection.ids.has(d.submissionId),
    disabled: selection.all,
    onchange: (event) => {
      if (event.target.checked) selection.ids.add(d.submissionId);
      else selection.ids.delete(d.submissionId);
      bulk?.update();
    },
  }));
  const allMatching = h('input', {
    type: 'checkbox',
    id: 'select-all-matching',
    'data-testid': 'select-all-matching',
    checked: selection.all,
    onchange: (event) => {
      selection = { filterKey, all: event.target.checked, ids: new Set() };
      for (const box of rowBoxes) {
        box.checked = selection.all;
        box.disabled = selection.all;
      }
      bulk?.update();
    },
  });

  const csv = (dialect) => h('button', {
    type: 'button',
    class: 'secondary',
    onclick: () => ctx.act(async () => announce(t('csv.done', { name: await download(`/dead-letters.csv?${new URLSearchParams({ ...filter, dialect })}`) })), { reload: false }),
  }, t(`csv.${dialect}`));

  main.replaceChildren(
    liveTitle(ctx, t('dl.heading'), asOf),
    h('section', { class: 'card' }, filterForm(ctx, filter, names, adapters)),
    results,
    h('section', { class: 'card', 'aria-labelledby': 'list-h' },
      h('h2', { id: 'list-h' }, tn('dl.matches', page.total, { total: formatNumber(page.total) })),
      h('div', { class: 'buttons' }, csv('rfc4180'), csv('excel-de')),
      readOnly || page.total === 0 ? null : h('p', { class: 'select-all' }, allMatching, ' ', h('label', { for: 'select-all-matching' }, t('dl.selectAllMatching', { total: formatNumber(page.total) }))),
      bulk?.form ?? null,
      page.items.length === 0 ? h('p', { 'data-testid': 'no-dead-letters' }, t('none')) : table(t('dl.heading'),
        [readOnly ? null : t('dl.select'), t('col.submission'), t('col.tenant'), t('col.service'), t('dead.failedRoutes'), t('col.created')].filter((x) => x !== null),
        page.items.map((d, i) => [
          ...(readOnly ? [] : [rowBoxes[i]]),
          h('a', { href: `#/submissions/${encodeURIComponent(d.submissionId)}`, class: 'mono' }, d.submissionId),
          names.tenant(d.tenantId),
          names.service(d.serviceIdentifier),
          d.failedRoutes.length > 0 ? failedRoutesList(d.failedRoutes) : h('span', { title: d.reason ?? '' }, errorText(d.reason)),
          formatTime(d.createdAt),
        ]), { 'data-testid': 'dead-letter-list', class: 'visually-hidden-caption' }),
      pager('#/dead-letters', params, offset, PAGE, page.total)),
  );
}
