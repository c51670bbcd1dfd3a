// One submission: its summary, deliveries, the actions an operator can take, and the timeline of
// journal records, audit actions, delivery attempts, events and the DMS's import answers (ids, states and reasons only).
import { discard, askDiscardReason, redeliver, replay, settle } from './actions.js';
import { download, get } from './api.js';
import { announce, h, table } from './dom.js';
import { formatTime, t } from './i18n.js';
import { namesOf } from './names.js';
import { actionLabel, errorText, eventLabel, outcomeLabel, stageLabel, stateLabel } from './terms.js';

function describe(entry) {
  switch (entry.kind) {
    case 'attempt':
      return [t('tl.attempt', { route: entry.routeId, attempt: entry.attempt, outcome: outcomeLabel(entry.outcome) }), entry.error ? h('span', { class: 'muted', title: entry.error }, ` – ${errorText(entry.error)}`) : null];
    case 'event':
      return h('span', { title: entry.eventName }, eventLabel(entry.eventName));
    case 'confirmation': {
      // the DMS's answer to the 0401: per object imported or not, with its reasons (0402), or received (0403)
      if (entry.messageType === '0403') return [t('tl.received'), ` (${t('tl.by', { actor: entry.source })})`];
      const reasons = entry.reasons?.length ? h('span', { class: 'muted' }, ` – ${entry.reasons.join('; ')}`) : null;
      return [h('strong', { 'data-testid': 'dms-import' }, t(entry.imported ? 'tl.imported' : 'tl.notImported', { object: entry.objectId })), ` (${t('tl.by', { actor: entry.source })})`, reasons];
    }
    default: {
      const move = entry.fromState || entry.toState ? ` ${entry.fromState ? stateLabel(entry.fromState) : '∅'} → ${entry.toState ? stateLabel(entry.toState) : '∅'}` : '';
      const action = typeof entry.details?.action === 'string' && entry.stage === 'operator' ? `: ${actionLabel(entry.details.action)}` : '';
      const reason = typeof entry.details?.reason === 'string' ? h('span', { title: entry.details.reason }, ` – ${errorText(entry.details.reason)}`) : '';
      return [h('strong', {}, stageLabel(entry.stage)), action, move, entry.actor ? ` (${t('tl.by', { actor: entry.actor })})` : '', reason];
    }
  }
}

function timelineList(entries) {
  if (entries.length === 0) return h('p', {}, t('none'));
  return h('ol', { class: 'timeline', 'data-testid': 'timeline' }, entries.map((e) => h('li', { class: `tl-${e.kind}` },
    h('time', { datetime: e.at }, formatTime(e.at)), ' ',
    h('span', { class: `kind kind-${e.kind}` }, t(`kind.${e.kind}`)), ' ',
    describe(e))));
}

function actionPanel(detail, ctx, rerender) {
  const { submission } = detail;
  if (ctx.me.role === 'auditor') return h('p', {}, t('detail.readOnly'));
  if (submission.state !== 'FAILED') return h('p', {}, t('detail.noActions'));
  const id = submission.submissionId;
  const run = (work) => ctx.act(async () => {
    await work();
    announce(t('action.replayed', { id }));
    const after = await settle(id, submission.updatedAt, (state) => announce(t('action.stateNow', { id, state: stateLabel(state) })));
    announce(t('action.stateNow', { id, state: stateLabel(after.submission.state) }), after.submission.state === 'DELIVERED' ? 'ok' : 'info');
    await rerender();
  }, { reload: false });

  const stage = (value, checked) => h('div', { class: 'radio' },
    h('input', { type: 'radio', name: 'stage', id: `stage-${value}`, value, checked }),
    h('label', { for: `stage-${value}` }, t(`detail.stage.${value}`)));
  const form = h('form', { class: 'replay' },
    h('fieldset', {}, h('legend', {}, t('detail.stage')), stage('deliver', true), stage('open', false)),
    h('div', { class: 'field' }, h('label', { for: 'replay-reason' }, t('detail.reasonInput')), h('input', { id: 'replay-reason', name: 'reason', type: 'text', maxlength: 500 })),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit' }, t('detail.replay')),
      h('button', {
        type: 'button',
        class: 'danger',
        onclick: async () => {
          const reason = await askDiscardReason(id);
          if (reason === null) return;
          await ctx.act(async () => {
            await discard(id, reason);
            announce(t('action.discarded', { id }));
            await rerender();
          }, { reload: false });
        },
      }, t('dead.discard'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const reason = String(data.get('reason') ?? '').trim();
    void run(() => replay(id, String(data.get('stage')), reason));
  });
  const routeButtons = detail.deliveries.filter((d) => d.state === 'FAILED').map((d) =>
    h('button', { type: 'button', class: 'secondary', onclick: () => run(() => redeliver(id, d.routeId)) }, t('detail.redeliver', { route: d.routeId })));
  return [form, routeButtons.length > 0 ? h('div', { class: 'buttons' }, routeButtons) : null];
}

/** The signed evidence bundle of the submission, for auditors and operators (docs/evidence.md). */
function evidenceButton(ctx, id) {
  if (ctx.me.role === 'tenant-admin') return null;
  return [' · ', h('button', {
    type: 'button',
    class: 'secondary',
    'data-testid': 'download-evidence',
    onclick: () => ctx.act(async () => {
      announce(t('detail.evidenceDone', { name: await download(`/submissions/${encodeURIComponent(id)}/evidence`) }), 'ok');
    }, { reload: false }),
  }, t('detail.evidence'))];
}

/** Renders the submission `id` with its timeline. */
export async function renderTimeline(main, ctx, id) {
  const [detail, names] = await Promise.all([get(`/submissions/${encodeURIComponent(id)}`), namesOf()]);
  const s = detail.submission;
  const rerender = () => ctx.refresh({ keepStatus: true });
  const dl = (pairs) => h('dl', { class: 'facts' }, pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '–')]));
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, t('detail.back')), ' · ', h('a', { href: `#/audit?submissionId=${encodeURIComponent(s.submissionId)}` }, t('detail.audit')), evidenceButton(ctx, s.submissionId)),
    h('h1', { tabindex: '-1' }, t('detail.heading', { id: s.submissionId })),
    h('div', { class: 'columns' },
      h('section', { class: 'card', 'aria-labelledby': 'sum-h' }, h('h2', { id: 'sum-h' }, t('detail.summary')), dl([
        [t('col.state'), h('span', { class: `state state-${s.state}`, 'data-testid': 'submission-state', 'data-state': s.state }, stateLabel(s.state), s.discarded ? ` (${t('detail.discarded')})` : '')],
        [t('col.tenant'), names.tenant(s.tenantId)],
        // a back office processes it for the owner (docs/delegation.md)
        s.delegationId ? [t('detail.processedBy'), h('span', { 'data-testid': 'processed-by' }, t('detail.delegation', { tenant: names.tenant(s.processingTenantId), id: s.delegationId }))] : null,
        [t('col.service'), h('span', { title: s.serviceIdentifier }, names.service(s.serviceIdentifier))],
        [t('detail.caseId'), h('span', { class: 'mono' }, s.caseId)],
        [t('detail.mapping'), s.mappingModule ? `${s.mappingModule} ${s.mappingVersion ?? ''}` : null],
        [t('detail.reason'), s.reason ? h('span', { title: s.reason }, errorText(s.reason)) : null],
        [t('col.created'), formatTime(s.createdAt)],
        [t('detail.updated'), formatTime(s.updatedAt)],
      ])),
      h('section', { class: 'card', 'aria-labelledby': 'act-h' }, h('h2', { id: 'act-h' }, t('detail.actions')), actionPanel(detail, ctx, rerender))),
    h('section', { class: 'card', 'aria-labelledby': 'del-h' }, h('h2', { id: 'del-h' }, t('detail.deliveries')),
      detail.deliveries.length === 0 ? h('p', {}, t('none')) : table(t('detail.deliveries'),
        [t('detail.route'), t('detail.adapter'), t('detail.target'), t('col.state'), t('detail.attempts'), t('detail.lastError'), t('detail.deliveredAt')],
        detail.deliveries.map((d) => [h('span', { class: 'mono' }, d.routeId), d.adapterInstance, h('span', { class: 'mono' }, d.target),
          h('span', { class: `state state-${d.state}` }, stateLabel(d.state)), String(d.attempts), d.lastError ? h('span', { title: d.lastError }, errorText(d.lastError)) : '–', formatTime(d.deliveredAt)]))),
    h('section', { class: 'card', 'aria-labelledby': 'tl-h' }, h('h2', { id: 'tl-h' }, t('detail.timeline')), timelineList(detail.timeline)),
  );
}
