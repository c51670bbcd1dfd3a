// The admin API with the user's bearer token. The token lives in sessionStorage: it survives a
// reload, is gone when the tab closes, and is sent only in the Authorization header (never a cookie).
const TOKEN_KEY = 'weiche.token';
const BASE = '/admin/api/v1';

/** An API answer that was not 2xx, with the problem detail the API gave. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/** The stored token, or null. */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Stores the token for this tab. */
export function saveToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

/** Forgets the token. */
export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

async function problemDetail(res) {
  try {
    const body = await res.json();
    return body.detail ?? body.title ?? res.statusText;
  } catch {
    return res.statusText;
  }
}

async function call(url, method, body, bearer = token()) {
  const headers = { accept: 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, cache: 'no-store', credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (res.status === 401 && bearer === token()) {
    clearToken();
    window.dispatchEvent(new Event('weiche:signed-out'));
  }
  if (!res.ok) throw new ApiError(res.status, await problemDetail(res));
  return res.status === 204 ? undefined : res.json();
}

/** How the console may sign in (public: no token needed). */
export async function signInOptions() {
  const res = await fetch(`${BASE}/sign-in`, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw new ApiError(res.status, await problemDetail(res));
  return res.json();
}

/**
 * Downloads an admin API path (a CSV export) as a file: a navigation would carry no bearer header,
 * so the answer is fetched with it and handed to the browser as a blob.
 */
export async function download(path) {
  const bearer = token();
  const res = await fetch(BASE + path, { headers: { authorization: `Bearer ${bearer}` }, cache: 'no-store' });
  if (!res.ok) throw new ApiError(res.status, await problemDetail(res));
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'weiche-export.csv';
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

/** GET an admin API path (e.g. '/stats'). */
export function get(path) {
  return call(BASE + path, 'GET');
}

/** POST to an admin API path with a JSON body. */
export function post(path, body) {
  return call(BASE + path, 'POST', body);
}

/** Checks a token without storing it: the caller's subject, role and tenants. */
export function whoIs(candidate) {
  return call(`${BASE}/me`, 'GET', undefined, candidate);
}

/**
 * Opens Bull Board: a navigation carries no bearer header, so the token is exchanged for a
 * short-lived HttpOnly cookie that only /admin/queues receives (see board-plugin.ts).
 */
export async function openBoard() {
  const answer = await call('/admin/queues/session', 'POST');
  window.location.assign(answer.path);
}

/** Ends the board session (its cookie) when signing out. */
export async function closeBoard() {
  await fetch('/admin/queues/session', { method: 'DELETE', credentials: 'same-origin' }).catch(() => undefined);
}
