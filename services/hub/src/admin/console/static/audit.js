// The auditor's view of the audit chain: the records of one submission or of a time range, each
// with actor, stage, state change and hashes, and a "verify" that recomputes the whole chain.
import { get } from './api.js';
import { announce, formQuery, h, localInput, pager, setChildren, table } from './dom.js';
import { formatNumber, formatTime, t, tn } from './i18n.js';
import { actionLabel, errorText, stageLabel, stateLabel } from './terms.js';

const PAGE = 100;

function field(name, label, control) {
  control.id = `a-${name}`;
  control.name = name;
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
}

// hashes are long: the first 12 hex digits tell records apart, the full value is the title
function hash(value) {
  return value ? h('span', { class: 'mono hash', title: value }, `${value.slice(0, 12)}…`) : '–';
}

function detailsOf(record) {
  const d = record.details ?? {};
  const parts = [];
  if (typeof d.action === 'string') parts.push(actionLabel(d.action));
  if (typeof d.adapterInstance === 'string') parts.push(d.adapterInstance);
  if (typeof d.reason === 'string') parts.push(h('span', { title: d.reason }, errorText(d.reason)));
  if (typeof d.batch === 'string') parts.push(h('span', { class: 'muted' }, t('audit.batch', { batch: d.batch.slice(0, 8) })));
  return parts.length === 0 ? '–' : parts.flatMap((p, i) => (i === 0 ? [p] : ['; ', p]));
}

/** Where a verdict's problem lies: a submission's chain and the position in it (not the list's Nr.), or a checkpoint. */
function where(chain, seq) {
  if (chain === 'checkpoints') return t('audit.where.checkpoint', { no: seq });
  if (chain.startsWith('submission:')) return t('audit.where.submission', { id: chain.slice('submission:'.length), seq });
  return t('audit.where.chain', { chain, seq });
}

/** The verdict in words: intact, or the first bad record or checkpoint and the first gap, each with its reason. */
function verdictText(r) {
  const counts = { checked: formatNumber(r.checked), total: formatNumber(r.total) };
  if (r.ok) return t('audit.intact', counts);
  const gap = r.gaps?.[0];
  const problems = [
    r.firstBad ? t('audit.firstBad', { where: where(r.firstBad.chain, r.firstBad.seq), reason: errorText(r.firstBad.reason) }) : null,
    gap ? t('audit.gaps', { count: formatNumber(r.gaps.length), where: where(gap.chain, gap.fromSeq), reason: errorText(gap.reason) }) : null,
  ];
  return t('audit.broken', { problems: problems.filter(Boolean).join(' '), ...counts });
}

function verifyPanel() {
  const out = h('div', { 'aria-live': 'polite', 'data-testid': 'verify-result' });
  const button = h('button', {
    type: 'button',
    onclick: async () => {
      button.disabled = true;
      out.replaceChildren(h('p', {}, t('audit.verifying')));
      try {
        const r = await get('/audit/verify');
        const text = verdictText(r);
        out.replaceChildren(h('p', { class: r.ok ? 'verdict verdict-healthy' : 'verdict verdict-failing', title: r.message }, text));
        announce(text, r.ok ? 'ok' : 'error');
      } catch (error) {
        out.replaceChildren(h('p', { class: 'error' }, t('error', { detail: error.message })));
      } finally {
        button.disabled = false;
      }
    },
  }, t('audit.verify'));
  return h('section', { class: 'card', 'aria-labelledby': 'verify-h' }, h('h2', { id: 'verify-h' }, t('audit.verifyHeading')), h('p', {}, t('audit.verifyIntro')), button, out);
}

/** Renders the audit records for the query in `params` (without one: the last 24 hours). */
export async function renderAudit(main, ctx, params) {
  const submissionId = params.get('submissionId') ?? '';
  const from = params.get('from') ?? (submissionId ? '' : new Date(Date.now() - 24 * 3600_000).toISOString());
  const to = params.get('to') ?? '';
  const offset = Number(params.get('offset') ?? 0) || 0;
  const form = h('form', { class: 'search', role: 'search', 'aria-label': t('audit.search') },
    field('submissionId', t('search.id'), h('input', { type: 'text', value: submissionId, autocomplete: 'off' })),
    // the default range is not written into the form: a search by submission id alone searches all time
    field('from', t('range.from'), h('input', { type: 'datetime-local', value: localInput(params.get('from')) })),
    field('to', t('range.to'), h('input', { type: 'datetime-local', value: localInput(to) })),
    h('div', { class: 'field submit' }, h('button', { type: 'submit' }, t('search.submit'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(`#/audit?${formQuery(form)}`);
  });
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (submissionId) query.set('submissionId', submissionId);
  if (from) query.set('from', from);
  if (to) query.set('to', to);
  const page = await get(`/audit/records?${query}`);

  setChildren(main,
    h('h1', { tabindex: '-1' }, t('audit.heading')),
    ctx.me.tenants === 'all' ? verifyPanel() : null,
    h('section', { class: 'card' }, form),
    h('section', { class: 'card', 'aria-labelledby': 'records-h' },
      h('h2', { id: 'records-h' }, tn('audit.records', page.total, { total: formatNumber(page.total) })),
      page.items.length === 0 ? h('p', {}, t('none')) : table(t('audit.heading'),
        [t('audit.seq'), t('audit.at'), t('audit.actor'), t('audit.stage'), t('audit.move'), t('col.submission'), t('audit.inputHash'), t('audit.outputHash'), t('audit.hash'), t('audit.details')],
        page.items.map((r) => [
          String(r.seq),
          formatTime(r.at),
          r.actor,
          stageLabel(r.stage),
          r.fromState || r.toState ? `${r.fromState ? stateLabel(r.fromState) : '∅'} → ${r.toState ? stateLabel(r.toState) : '∅'}` : '–',
          r.submissionId ? h('a', { href: `#/submissions/${encodeURIComponent(r.submissionId)}`, class: 'mono' }, r.submissionId) : '–',
          hash(r.inputHash),
          hash(r.outputHash),
          hash(r.hash),
          detailsOf(r),
        ]), { 'data-testid': 'audit-records', class: 'visually-hidden-caption' }),
      pager('#/audit', params, offset, PAGE, page.total)),
  );
}
