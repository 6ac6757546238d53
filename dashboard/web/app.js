// @ts-check
/**
 * The dashboard's shell: logs in (one-time code, pasted bearer token, or a browser client
 * certificate), shows who is logged in, routes `#/<page>`, re-renders the current page when a
 * watch changes, and announces changes in a polite live region.
 */
import { ApiError, canI, getToken, loginWithCode, logoutSession, setToken, whoAmI } from './api.js';
import { h } from './dom.js';
import { bindingsPage } from './pages/bindings.js';
import { clustersPage } from './pages/clusters.js';
import { dnsPage } from './pages/dns.js';
import { APPROVE_ACCESS, APPROVE_KEY, promotionsPage } from './pages/promotions.js';
import { registriesPage } from './pages/registries.js';
import { workloadsPage } from './pages/workloads.js';
import { WatchSet } from './watch.js';
import { Announcer } from './announcer.js';

/** @type {import('./pages/common.js').Page[]} */
const PAGES = [clustersPage, workloadsPage, bindingsPage, promotionsPage, registriesPage, dnsPage];
const DEFAULT_PAGE = 'clusters';

/** @param {string} id */
const byId = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
};
const title = byId('page-title');
const content = byId('content');
const notice = byId('notice');
const session = byId('session');
const nav = byId('nav');

/**
 * @typedef {object} Session
 * @property {import('./api.js').Identity} user
 * @property {WatchSet} watches
 * @property {Map<string, boolean>} can
 * @property {Map<string, string>} ui
 */
/** @type {Session | null} */
let current = null;
let renderQueued = false;
/** The id of the page shown (the last `#/<id>` of the address). */
let route = DEFAULT_PAGE;
const announcer = new Announcer(byId('live'));

/** @returns {import('./pages/common.js').Page} the page the hash names (default: clusters) */
function currentPage() {
  // other fragments (the skip link's #page-title) keep the page that was shown
  const m = /^#\/([a-z-]+)/.exec(location.hash);
  if (m?.[1]) route = m[1];
  return PAGES.find((p) => p.id === route) ?? clustersPage;
}

/**
 * Shows a message above the page (role=alert), or clears it.
 * @param {string} text
 * @param {'ok' | 'error' | 'info'} tone
 */
function showNotice(text, tone) {
  notice.replaceChildren();
  notice.className = `notice-slot ${tone}`;
  if (!text) return;
  notice.append(
    h('p', { class: `notice ${tone}` }, text),
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        onclick: () => {
          showNotice('', 'info');
        },
      },
      'Dismiss',
    ),
  );
}

/** Renders the current page again, keeping the focused control focused. */
function render() {
  renderQueued = false;
  const s = current;
  if (!s) return;
  const page = currentPage();
  title.textContent = page.title;
  document.title = `${page.title} — Flotilla dashboard`;
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === `#/${page.id}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
  /** @type {import('./pages/common.js').PageContext} */
  const ctx = { watches: s.watches, user: s.user, can: s.can, ui: s.ui, act };
  const next = document.createElement('div');
  next.append(...page.render(ctx));
  // an unchanged page keeps its nodes: no lost clicks or flicker from bookmarks and the ticker
  if (content.getAttribute('data-page') !== page.id || next.innerHTML !== content.innerHTML) {
    content.replaceChildren(...next.childNodes);
  }
  content.setAttribute('data-page', page.id);
  if (focused && content.contains(document.getElementById(focused)) === true) {
    document.getElementById(focused)?.focus({ preventScroll: true });
  }
}

/** Re-renders soon (many watch events in a burst make one render). */
function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(render, 50);
}

/**
 * Runs a user action, then shows and announces its outcome (the server's refusal included).
 * @param {string} _key which control started it
 * @param {() => Promise<string>} run resolves to the success message
 */
function act(_key, run) {
  showNotice('Working…', 'info');
  run().then(
    (msg) => {
      showNotice(msg, 'ok');
      queueRender();
    },
    (/** @type {unknown} */ err) => {
      const msg =
        err instanceof ApiError
          ? `Refused (${String(err.code)} ${err.status.reason ?? ''}): ${err.message}`
          : `Failed: ${err instanceof Error ? err.message : String(err)}`;
      showNotice(msg, 'error');
      queueRender();
    },
  );
}

/** Header: who is logged in, and the logout button. */
function renderSession() {
  session.replaceChildren();
  if (!current) return;
  const { username, groups } = current.user;
  const shown = groups.filter((g) => g !== 'system:authenticated');
  session.append(
    h(
      'span',
      { id: 'whoami' },
      'Logged in as ',
      h('strong', {}, username),
      shown.length > 0 ? h('span', { class: 'muted' }, ` (${shown.join(', ')})`) : '',
    ),
    h(
      'button',
      {
        type: 'button',
        id: 'logout',
        onclick: () => {
          void logout();
        },
      },
      'Log out',
    ),
  );
}

/**
 * The login form: paste a bearer token, or open the URL `flotilla dashboard` prints.
 * @param {string} message why the form is shown (empty: not logged in yet)
 */
function showLogin(message) {
  current = null;
  nav.hidden = true;
  renderSession();
  title.textContent = 'Log in';
  document.title = 'Log in — Flotilla dashboard';
  showNotice(message, 'error');
  const form = h(
    'form',
    {
      id: 'login',
      class: 'login',
      onsubmit: (ev) => {
        ev.preventDefault();
        const input = /** @type {HTMLInputElement} */ (byId('token'));
        setToken(input.value.trim());
        void start();
      },
    },
    h(
      'p',
      {},
      'Open the one-time login link printed by ',
      h('code', {}, 'flotilla dashboard'),
      ', or paste a bearer token for the federation API.',
    ),
    h('label', { for: 'token' }, 'Bearer token'),
    h('input', {
      id: 'token',
      name: 'token',
      type: 'password',
      autocomplete: 'off',
      required: true,
      'aria-describedby': 'token-help',
    }),
    h(
      'p',
      { id: 'token-help', class: 'muted' },
      'Kept in this tab only (session storage) until you log out.',
    ),
    h('button', { type: 'submit' }, 'Log in'),
  );
  content.replaceChildren(form);
  content.setAttribute('data-page', 'login');
}

/** Ends the session at the server, forgets the token and stops the watches. */
async function logout() {
  await logoutSession();
  setToken(null);
  current?.watches.stop();
  showLogin('');
  announcer.say('Logged out.');
}

/** Checks who the server sees; then starts the watches and shows the page. */
async function start() {
  let user;
  try {
    user = await whoAmI();
  } catch (err) {
    const hadToken = getToken() !== null;
    setToken(null);
    showLogin(
      err instanceof ApiError && err.code === 401
        ? hadToken
          ? `Not logged in: ${err.message}`
          : ''
        : `Cannot reach the federation: ${err instanceof Error ? err.message : String(err)}`,
    );
    return;
  }
  if (user.username === 'system:anonymous') {
    showLogin('');
    return;
  }
  const can = new Map([[APPROVE_KEY, await canI(APPROVE_ACCESS)]]);
  current?.watches.stop();
  current = {
    user,
    can,
    ui: new Map(),
    watches: new WatchSet((path, type, object) => {
      announcer.observe(path, type, object);
      queueRender();
    }),
  };
  nav.hidden = false;
  showNotice('', 'info');
  renderSession();
  announcer.say(`Logged in as ${user.username}.`);
  render();
}

/** Takes a one-time code from `#code=...` (removing it from the URL), then starts. */
async function boot() {
  const m = /^#code=([^&]+)/.exec(location.hash);
  if (m?.[1]) {
    history.replaceState(null, '', `${location.pathname}${location.search}#/${DEFAULT_PAGE}`);
    try {
      const r = await loginWithCode(decodeURIComponent(m[1]));
      setToken(r.token);
    } catch (err) {
      showLogin(
        `The login link was refused (it works once and expires): ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
  }
  await start();
}

window.addEventListener('hashchange', () => {
  if (!location.hash.startsWith('#/') || !current) return;
  showNotice('', 'info');
  render();
  title.focus();
});
// ages ("5s ago") move on even when nothing changes
setInterval(queueRender, 15_000);
void boot();
