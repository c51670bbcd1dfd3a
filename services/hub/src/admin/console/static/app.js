// Entry of the console: sign-in (OpenID provider or pasted token), header (navigation, language,
// sign-out), a hash router over the views, and the auto-refresh that keeps the overview true.
// Every number shown comes from the admin API with the user's own token.
import { ApiError, clearToken, closeBoard, openBoard, saveToken, signInOptions, token, whoIs } from './api.js';
import { renderAudit } from './audit.js';
import { renderDashboard } from './dashboard.js';
import { renderDeadLetters } from './dead-letters.js';
import { announce, h, setChildren } from './dom.js';
import { lang, setLang, t } from './i18n.js';
import { finishSignIn, isCallback, startSignIn } from './oidc.js';
import { renderOzg } from './ozg.js';
import { refreshSeconds } from './refresh.js';
import { renderSubmissions } from './submissions.js';
import { errorText } from './terms.js';
import { renderTimeline } from './timeline.js';

const main = document.getElementById('main');
const header = document.getElementById('top');
let me = null;
/** Views that refresh themselves; the others show what the user opened and wait for them. */
const LIVE_VIEWS = new Set(['dashboard', 'dead-letters']);

function route() {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const detail = /^\/submissions\/([^/]+)$/.exec(path);
  if (detail) return { view: 'timeline', id: decodeURIComponent(detail[1]), params };
  if (path === '/submissions') return { view: 'submissions', params };
  if (path === '/dead-letters') return { view: 'dead-letters', params };
  if (path === '/audit') return { view: 'audit', params };
  if (path === '/ozg') return { view: 'ozg', params };
  return { view: 'dashboard', params };
}

const ctx = {
  get me() {
    return me;
  },
  /** Set by a view while refreshing would lose the user's work (e.g. a selection); cleared on every render. */
  holdRefresh: null,
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
      // the API's problem details are English; known ones are told in the console's language
      announce(t('error', { detail: error instanceof ApiError ? `${error.status} ${errorText(error.message)}` : error.message }), 'error');
    }
  },
};

function renderHeader() {
  const current = route().view;
  const navLink = (href, label, view) => h('a', { href, ...(current === view || (view === 'submissions' && current === 'timeline') ? { 'aria-current': 'page' } : {}) }, label);
  const language = h('select', { id: 'lang', onchange: (event) => { setLang(event.target.value); void render(); } },
    h('option', { value: 'de', selected: lang() === 'de' }, 'Deutsch'),
    h('option', { value: 'en', selected: lang() === 'en' }, 'English'));
  header.replaceChildren(...[
    h('a', { class: 'skip', href: '#main', onclick: (event) => { event.preventDefault(); main.focus(); } }, t('skip')),
    h('p', { class: 'brand' }, 'Weiche'),
    me ? h('nav', { 'aria-label': t('nav.label') }, h('ul', {},
      h('li', {}, navLink('#/', t('nav.dashboard'), 'dashboard')),
      h('li', {}, navLink('#/dead-letters', t('nav.deadLetters'), 'dead-letters')),
      h('li', {}, navLink('#/submissions', t('nav.submissions'), 'submissions')),
      h('li', {}, navLink('#/audit', t('nav.audit'), 'audit')),
      h('li', {}, navLink('#/ozg', t('nav.ozg'), 'ozg')),
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

async function renderLogin(message) {
  const options = await signInOptions().catch(() => ({ token: true, oidc: null }));
  const input = h('input', { id: 'token', name: 'token', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'login-intro' });
  const form = h('form', { class: 'card login' },
    h('p', { id: 'login-intro' }, t(options.oidc ? 'login.introToken' : 'login.intro')),
    h('label', { for: 'token' }, t('login.token')), input,
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: options.oidc ? 'secondary' : null }, t('login.submit'))));
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
  const provider = options.oidc ? h('section', { class: 'card login', 'aria-labelledby': 'oidc-h' },
    h('h2', { id: 'oidc-h' }, t('login.oidcHeading')),
    h('p', {}, t('login.oidcIntro', { issuer: new URL(options.oidc.issuer).host })),
    h('div', { class: 'buttons' }, h('button', {
      type: 'button',
      id: 'oidc-sign-in',
      onclick: () => startSignIn(options.oidc).catch((error) => announce(t('login.failed', { detail: error.message }), 'error')),
    }, t('login.oidc')))) : null;
  setChildren(main, h('h1', { tabindex: '-1' }, t('login.heading')), provider, options.oidc ? h('h2', {}, t('login.tokenHeading')) : null, form);
  if (message) announce(message, 'error');
  (main.querySelector('#oidc-sign-in') ?? input).focus();
}

// Which control had focus, so a refresh of the view can give it back (same tag and name or text)
function focusKey(el) {
  if (!el || !main.contains(el) || el === main || el.tagName === 'H1') return null;
  return { tag: el.tagName, id: el.id, name: el.getAttribute('aria-label') ?? el.getAttribute('name') ?? el.textContent.trim() };
}

function restoreFocus(key) {
  if (!key) return;
  const found = key.id ? document.getElementById(key.id) : [...main.querySelectorAll(key.tag)].find((el) => (el.getAttribute('aria-label') ?? el.getAttribute('name') ?? el.textContent.trim()) === key.name);
  found?.focus({ preventScroll: true });
}

let refreshTimer = null;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const seconds = refreshSeconds();
  if (!me || seconds === 0 || !LIVE_VIEWS.has(route().view)) return;
  refreshTimer = setTimeout(() => {
    // not while the tab is hidden, a dialog is open, or the view holds work the user has not sent
    if (document.hidden || document.querySelector('dialog[open]') || ctx.holdRefresh?.()) return scheduleRefresh();
    void render({ auto: true });
  }, seconds * 1000);
}
window.addEventListener('weiche:refresh-changed', scheduleRefresh);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && LIVE_VIEWS.has(route().view) && refreshSeconds() > 0) void render({ auto: true });
});

let generation = 0;
async function render({ focus = false, keepStatus = false, auto = false } = {}) {
  const mine = ++generation;
  clearTimeout(refreshTimer);
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
  if (!auto) renderHeader();
  if (!keepStatus && !auto) announce('');
  main.setAttribute('aria-busy', 'true');
  const r = route();
  const focused = auto ? focusKey(document.activeElement) : null;
  ctx.holdRefresh = null;
  try {
    const target = h('div', {});
    if (r.view === 'timeline') await renderTimeline(target, ctx, r.id);
    else if (r.view === 'submissions') await renderSubmissions(target, ctx, r.params);
    else if (r.view === 'dead-letters') await renderDeadLetters(target, ctx, r.params);
    else if (r.view === 'audit') await renderAudit(target, ctx, r.params);
    else if (r.view === 'ozg') await renderOzg(target, ctx, r.params);
    else await renderDashboard(target, ctx, r.params);
    // a newer navigation won the race: drop this result
    if (mine !== generation) return;
    main.replaceChildren(...target.childNodes);
    restoreFocus(focused);
  } catch (error) {
    if (mine !== generation) return;
    // a failed automatic refresh keeps what is shown (its "as of" time tells its age) and says why
    if (auto) announce(t('refresh.failed', { detail: error.message }), 'error');
    else main.replaceChildren(h('h1', { tabindex: '-1' }, t('error', { detail: '' })), h('p', { class: 'error', role: 'alert' }, error.message));
  } finally {
    main.removeAttribute('aria-busy');
  }
  // which view main shows now: for scripts and tests that must wait until a navigation has been rendered
  if (mine === generation) main.dataset.shown = location.hash || '#/';
  if (focus) main.querySelector('h1')?.focus();
  scheduleRefresh();
}

async function start() {
  if (isCallback()) {
    try {
      const accessToken = await finishSignIn();
      me = await whoIs(accessToken);
      saveToken(accessToken);
    } catch (error) {
      renderHeader();
      await renderLogin(t('login.failed', { detail: error.message }));
      return;
    }
  }
  await render();
}

window.addEventListener('hashchange', () => void render({ focus: true }));
window.addEventListener('weiche:signed-out', () => {
  me = null;
  void render({ focus: true });
});
void start();
