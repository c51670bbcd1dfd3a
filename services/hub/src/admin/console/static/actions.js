// Operator actions shared by the dashboard and the timeline: replay and discard, with a modal
// dialog for the discard reason (native <dialog>: focus is trapped and Escape cancels).
import { get, post } from './api.js';
import { h, modal } from './dom.js';
import { t } from './i18n.js';

const TERMINAL = new Set(['DELIVERED', 'REJECTED', 'FAILED']);
const path = (id) => `/submissions/${encodeURIComponent(id)}`;

/** Replays a failed submission from 'deliver' or 'open'. */
export function replay(id, stage, reason) {
  return post(`${path(id)}/replay`, { stage, ...(reason ? { reason } : {}) });
}

/** Delivers one failed route again. */
export function redeliver(id, routeId) {
  return post(`${path(id)}/routes/${encodeURIComponent(routeId)}/redeliver`, {});
}

/** Discards a dead letter with a reason. */
export function discard(id, reason) {
  return post(`${path(id)}/discard`, { reason });
}

/** Waits until a replayed submission settles again (or a minute passed); returns its detail. */
export async function settle(id, before, onProgress) {
  const deadline = Date.now() + 60_000;
  let detail = await get(path(id));
  while (Date.now() < deadline) {
    const { state, updatedAt } = detail.submission;
    if (TERMINAL.has(state) && updatedAt !== before) return detail;
    onProgress?.(state);
    await new Promise((resolve) => setTimeout(resolve, 750));
    detail = await get(path(id));
  }
  return detail;
}

/** Asks for a discard reason in a modal dialog; resolves with the reason, or null when cancelled. */
export function askDiscardReason(id) {
  const reason = h('textarea', { id: 'discard-reason', name: 'reason', required: true, maxlength: 500, rows: 3 });
  return modal({
    id: 'discard',
    heading: t('discard.heading'),
    body: [h('p', { class: 'mono' }, id), h('label', { for: 'discard-reason' }, t('discard.reason')), reason],
    cancelLabel: t('discard.cancel'),
    confirm: { label: t('discard.confirm'), class: 'danger' },
    onConfirm: () => reason.value.trim() || (reason.focus(), undefined),
    fallback: null,
    focus: reason,
  });
}

/** Asks to confirm an action in a modal dialog; resolves true when confirmed. */
export function confirmAction(text) {
  return modal({
    id: 'confirm',
    heading: t('confirm.heading'),
    body: h('p', {}, text),
    cancelLabel: t('discard.cancel'),
    confirm: { label: t('confirm.ok') },
    onConfirm: () => true,
    fallback: false,
  });
}
