// A tiny element builder: text always goes in as text nodes, so API data can never become markup.
import { t } from './i18n.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

function fill(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key === 'className' ? 'class' : key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An HTML element with attributes (on* = listeners) and children. */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/**
 * Replaces an element's children, skipping null/undefined/false like h(): the DOM's own replaceChildren()
 * would show each of them as the text "null".
 */
export function setChildren(el, ...children) {
  el.replaceChildren();
  return fill(el, {}, children);
}

/** An SVG element with attributes and children. */
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** A table with a caption, column headers and rows of cells. */
export function table(caption, headers, rows, attrs = {}) {
  return h('table', attrs,
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => (i === 0 ? h('th', { scope: 'row' }, cell) : h('td', {}, cell)))))),
  );
}

/** Announces a message to screen readers and shows it in the status line. */
export function announce(message, kind = 'info') {
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = message;
  status.dataset.kind = kind;
}

/** An ISO instant as the value of a datetime-local input (the user's local time). */
export function localInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** The filled fields of a search form as a query; the date-time fields `from` and `to` as ISO instants. */
export function formQuery(form) {
  const query = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value !== 'string' || value.trim() === '') continue;
    query.set(name, name === 'from' || name === 'to' ? new Date(value).toISOString() : value.trim());
  }
  return query;
}

/** Previous/next links of a paged list at the hash path `route` (e.g. '#/audit'); null when one page holds all. */
export function pager(route, params, offset, size, total) {
  if (total <= size) return null;
  const link = (delta, label) => {
    const next = new URLSearchParams(params);
    next.set('offset', String(Math.max(0, offset + delta)));
    return h('a', { href: `${route}?${next}`, class: 'button secondary' }, label);
  };
  const where = t('search.page', { from: offset + 1, to: Math.min(total, offset + size), total });
  return h('nav', { class: 'pager', 'aria-label': where },
    offset > 0 ? link(-size, t('search.prev')) : null,
    h('span', {}, where),
    offset + size < total ? link(size, t('search.next')) : null);
}

/**
 * A modal dialog (native <dialog>: focus stays inside, Escape cancels) with a heading, `body`, and
 * cancel/confirm buttons. Resolves with what `onConfirm` returns (undefined keeps it open), or with
 * `fallback` when cancelled.
 */
export function modal({ id, heading, body, cancelLabel, confirm, onConfirm, fallback, focus }) {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: 'secondary' }, cancelLabel);
    const form = h('form', {},
      h('h2', { id: `${id}-heading` }, heading),
      body,
      h('div', { class: 'buttons' }, cancel, h('button', { type: 'submit', class: confirm.class ?? null }, confirm.label)));
    const dialog = h('dialog', { 'aria-labelledby': `${id}-heading` }, form);
    let answer = fallback;
    cancel.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = onConfirm();
      if (value === undefined) return;
      answer = value;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    (focus ?? cancel).focus();
  });
}
