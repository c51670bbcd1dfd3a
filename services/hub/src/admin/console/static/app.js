// Entry of the console: sign-in, header (navigation, language, sign-out) and a hash router over
// the three views. Every number shown comes from the admin API with the user's own token.
import { ApiError, clearToken, closeBoard, openBoard, saveToken, token, whoIs } from './api.js';
import { renderDashboard } from './dashboard.js';
import { announce, h } from './dom.js';
import { lang, setLang, t } from './i18n.js';
import { renderSubmissions } from './submissions.js';
import { renderTimeline } from './timeline.js';

const main = document.getElementById('main');
const header = document.getElementById('top');
let me = null;

function route() {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  const detail = /^\/submissions\/([^/]+)$/.exec(path);
  if (detail) return { view: 'timeline', id: decodeURIComponent(detail[1]) };
  if (path === '/submissions') return { view: 'submissions', params: new URLSearchParams(query) };
  return { view: 'dashboard' };
}

const ctx = {
  get me() {
    return me;
  },
  navigate(hash) {
    if (window.location.hash === hash) void render();
    else window.location.hash = hash;
  },
  /** Renders the current view again (into the page, never into a detached container). */
  refresh({ keepStatus = false } = {}) {
    return render({ focus: true, keepStatus });
  },
  /** Runs an action, reports errors in the status line, then reloads the view unless told not to. */
  async act(work, { reload = true } = {}) {
    try {
      await work();
      if (reload) await render({ focus: true, keepStatus: true });
    } catch (error) {
      announce(t('error', { detail: error instanceof ApiError ? `${error.status} ${error.message}` : error.message }), 'error');
    }
  },
};

function renderHeader() {
  const current = route().view;
  const navLink = (href, label, active) => h('a', { href, ...(active ? { 'aria-current': 'page' } : {}) }, label);
  const language = h('select', { id: 'lang', onchange: (event) => { setLang(event.target.value); void render(); } },
    h('option', { value: 'de', selected: lang() === 'de' }, 'Deutsch'),
    h('option', { value: 'en', selected: lang() === 'en' }, 'English'));
  header.replaceChildren(...[
    h('a', { class: 'skip', href: '#main', onclick: (event) => { event.preventDefault(); main.focus(); } }, t('skip')),
    h('p', { class: 'brand' }, 'Weiche'),
    me ? h('nav', { 'aria-label': t('nav.label') }, h('ul', {},
      h('li', {}, navLink('#/', t('nav.dashboard'), current === 'dashboard')),
      h('li', {}, navLink('#/submissions', t('nav.submissions'), current !== 'dashboard')),
      me.role === 'tenant-admin' ? null : h('li', {}, h('button', {
        type: 'button',
        class: 'link',
        onclick: () => openBoard().catch((error) => announce(t('board.failed', { detail: error.message }), 'error')),
      }, t('nav.board'))))) : null,
    h('div', { class: 'tools' },
      h('label', { for: 'lang' }, t('lang.label')), language,
      me ? h('span', { class: 'who' }, t('signedIn', { subject: me.subject, role: t(`role.${me.role}`) })) : null,
      me ? h('button', { type: 'button', class: 'secondary', onclick: () => void signOut() }, t('logout')) : null),
  ].filter(Boolean));
}

async function signOut() {
  clearToken();
  me = null;
  await closeBoard();
  window.location.hash = '#/';
  await render({ focus: true });
}

function renderLogin(message) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'login-intro' });
  const form = h('form', { class: 'card login' },
    h('p', { id: 'login-intro' }, t('login.intro')),
    h('label', { for: 'token' }, t('login.token')), input,
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, t('login.submit'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const candidate = input.value.trim();
    try {
      me = await whoIs(candidate);
      saveToken(candidate);
      announce('');
      await render({ focus: true });
    } catch (error) {
      announce(t('login.failed', { detail: error.message }), 'error');
      input.focus();
    }
  });
  main.replaceChildren(h('h1', { tabindex: '-1' }, t('login.heading')), form);
  if (message) announce(message, 'error');
  input.focus();
}

let generation = 0;
async function render({ focus = false, keepStatus = false } = {}) {
  const mine = ++generation;
  document.documentElement.lang = lang();
  document.title = t('app.title');
  if (!token()) {
    me = null;
    renderHeader();
    return renderLogin();
  }
  try {
    me ??= await whoIs(token());
  } catch (error) {
    clearToken();
    me = null;
    renderHeader();
    return renderLogin(t('login.failed', { detail: error.message }));
  }
  renderHeader();
  if (!keepStatus) announce('');
  main.setAttribute('aria-busy', 'true');
  const r = route();
  try {
    const target = h('div', {});
    if (r.view === 'timeline') await renderTimeline(target, ctx, r.id);
    else if (r.view === 'submissions') await renderSubmissions(target, ctx, r.params);
    else await renderDashboard(target, ctx);
    // a newer navigation won the race: drop this result
    if (mine !== generation) return;
    main.replaceChildren(...target.childNodes);
  } catch (error) {
    if (mine !== generation) return;
    main.replaceChildren(h('h1', { tabindex: '-1' }, t('error', { detail: '' })), h('p', { class: 'error', role: 'alert' }, error.message));
  } finally {
    main.removeAttribute('aria-busy');
  }
  if (focus) main.querySelector('h1')?.focus();
}

window.addEventListener('hashchange', () => void render({ focus: true }));
window.addEventListener('weiche:signed-out', () => {
  me = null;
  void render({ focus: true });
});
void render();
