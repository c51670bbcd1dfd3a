// Submission search: the form's fields become the hash query (#/submissions?state=FAILED), so a
// search can be bookmarked, reloaded and gone back to.
import { download, get } from './api.js';
import { announce, formQuery, h, localInput, pager, table } from './dom.js';
import { formatNumber, formatTime, t, tn } from './i18n.js';
import { namesOf } from './names.js';
import { stateLabel } from './terms.js';

const STATES = ['CREATED', 'RECEIVED', 'OPENED', 'MAPPED', 'ROUTED', 'DELIVERING', 'DELIVERED', 'REJECTED', 'FAILED'];
const TEXT_FIELDS = ['id', 'caseId', 'senderReference', 'service'];
const PAGE = 25;

function field(name, label, control) {
  control.id = `q-${name}`;
  control.name = name;
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
}

/** Renders the search form and, for a query, its results. */
export async function renderSubmissions(main, ctx, params) {
  const names = await namesOf();
  const tenants = names.tenants;
  const form = h('form', { class: 'search', role: 'search', 'aria-labelledby': 'search-h' },
    TEXT_FIELDS.map((name) => field(name, t(`search.${name}`), h('input', { type: 'text', value: params.get(name) ?? '', autocomplete: 'off' }))),
    field('tenant', t('search.tenant'), h('select', {}, h('option', { value: '' }, t('search.any')),
      tenants.map((x) => h('option', { value: x.id, selected: params.get('tenant') === x.id }, x.name)))),
    field('state', t('search.state'), h('select', {}, h('option', { value: '' }, t('search.any')),
      STATES.map((st) => h('option', { value: st, selected: params.get('state') === st }, stateLabel(st))))),
    field('from', t('search.from'), h('input', { type: 'datetime-local', value: localInput(params.get('from')) })),
    field('to', t('search.to'), h('input', { type: 'datetime-local', value: localInput(params.get('to')) })),
    h('div', { class: 'field submit' }, h('button', { type: 'submit' }, t('search.submit'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(`#/submissions?${formQuery(form)}`);
  });

  const results = h('div', { id: 'results' });
  const filter = new URLSearchParams(params);
  filter.delete('offset');
  const csv = (dialect) => h('button', {
    type: 'button',
    class: 'secondary',
    onclick: () => ctx.act(async () => {
      const query = new URLSearchParams(filter);
      query.set('dialect', dialect);
      announce(t('csv.done', { name: await download(`/submissions.csv?${query}`) }));
    }, { reload: false }),
  }, t(`csv.${dialect}`));
  main.replaceChildren(h('h1', { id: 'search-h', tabindex: '-1' }, t('search.heading')), h('section', { class: 'card' }, form), results);

  const offset = Number(params.get('offset') ?? 0) || 0;
  const api = new URLSearchParams(params);
  api.set('limit', String(PAGE));
  api.set('offset', String(offset));
  const page = await get(`/submissions?${api}`);

  results.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'results-h' },
    h('h2', { id: 'results-h' }, tn('search.results', page.total, { total: formatNumber(page.total) })),
    page.total > 0 ? h('div', { class: 'buttons' }, csv('rfc4180'), csv('excel-de')) : null,
    page.items.length === 0 ? h('p', {}, t('none')) : table(tn('search.results', page.total, { total: formatNumber(page.total) }),
      [t('col.submission'), t('col.tenant'), t('col.service'), t('col.state'), t('col.created')],
      page.items.map((x) => [
        h('a', { href: `#/submissions/${encodeURIComponent(x.submissionId)}`, class: 'mono' }, x.submissionId),
        names.tenant(x.tenantId),
        names.service(x.serviceIdentifier),
        h('span', { class: `state state-${x.state}` }, stateLabel(x.state), x.discarded ? ` (${t('detail.discarded')})` : ''),
        formatTime(x.createdAt),
      ])),
    pager('#/submissions', params, offset, PAGE, page.total),
  ));
}
