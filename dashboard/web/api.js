// @ts-check
/**
 * The federation's Kubernetes REST API from the browser (same origin): the session's bearer
 * token, JSON requests, and errors carrying the server's Status.
 */

const TOKEN_KEY = 'flotilla.dashboard.token';

/**
 * @typedef {{ kind?: string, apiVersion?: string, status?: string, message?: string,
 *   reason?: string, code?: number }} Status
 */

/** A non-2xx answer of the API server, with its Kubernetes Status. */
export class ApiError extends Error {
  /**
   * @param {number} code HTTP status code
   * @param {Status} status the Status body (or one made from the response text)
   */
  constructor(code, status) {
    super(status.message ?? `HTTP ${String(code)}`);
    this.name = 'ApiError';
    /** @readonly */
    this.code = code;
    /** @readonly */
    this.status = status;
  }
}

/** @returns {string | null} the bearer token of this tab's session, if any */
export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** @param {string | null} token the bearer token to use from now on (null: none) */
export function setToken(token) {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/**
 * Request headers: JSON, and the bearer token when there is one (without one, a browser client
 * certificate may authenticate the TLS connection instead).
 * @param {boolean} withBody
 * @returns {Record<string, string>}
 */
export function headers(withBody) {
  /** @type {Record<string, string>} */
  const out = { Accept: 'application/json' };
  if (withBody) out['Content-Type'] = 'application/json';
  const token = getToken();
  if (token !== null) out.Authorization = `Bearer ${token}`;
  return out;
}

/**
 * Reads an error response as a Status (the body of Kubernetes errors), or makes one.
 * @param {Response} res
 * @returns {Promise<ApiError>}
 */
export async function errorOf(res) {
  const text = await res.text().catch(() => '');
  /** @type {Status} */
  let status = { message: text || `${String(res.status)} ${res.statusText}` };
  try {
    const parsed = /** @type {unknown} */ (JSON.parse(text));
    if (parsed !== null && typeof parsed === 'object') status = /** @type {Status} */ (parsed);
  } catch {
    // not JSON: keep the text as the message
  }
  return new ApiError(res.status, status);
}

/**
 * Sends one request and returns the parsed JSON body.
 * @template T
 * @param {string} path absolute path on this origin (`/apis/...`)
 * @param {{ method?: string, body?: unknown, signal?: AbortSignal }} [opts]
 * @returns {Promise<T>}
 * @throws {ApiError} on a non-2xx answer
 */
export async function request(path, opts = {}) {
  const withBody = opts.body !== undefined;
  /** @type {RequestInit} */
  const init = {
    method: opts.method ?? 'GET',
    headers: headers(withBody),
    credentials: 'same-origin',
  };
  if (withBody) init.body = JSON.stringify(opts.body);
  if (opts.signal) init.signal = opts.signal;
  const res = await fetch(path, init);
  if (!res.ok) throw await errorOf(res);
  return /** @type {T} */ (await res.json());
}

/**
 * @typedef {{ username: string, groups: string[] }} Identity
 */

/**
 * Who the API server sees: `POST selfsubjectreviews`.
 * @returns {Promise<Identity>}
 * @throws {ApiError} 401 when not authenticated
 */
export async function whoAmI() {
  /** @type {{ status?: { userInfo?: { username?: string, groups?: string[] } } }} */
  const review = await request('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    method: 'POST',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  const info = review.status?.userInfo;
  return { username: info?.username ?? 'unknown', groups: info?.groups ?? [] };
}

/**
 * Whether the current user may do `verb` on a resource: `POST selfsubjectaccessreviews`.
 * Advisory only (the server decides each request): a failure counts as "no".
 * @param {{ verb: string, group: string, resource: string, subresource?: string, name?: string }} attrs
 * @returns {Promise<boolean>}
 */
export async function canI(attrs) {
  try {
    /** @type {{ status?: { allowed?: boolean } }} */
    const review = await request('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      method: 'POST',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: attrs },
      },
    });
    return review.status?.allowed === true;
  } catch {
    return false;
  }
}

/**
 * Exchanges a one-time login code (from `flotilla dashboard`) for a session token.
 * @param {string} code
 * @returns {Promise<{ token: string, user: string, groups: string[], expiresAt: string }>}
 * @throws {ApiError} 401 when the code is unknown, used or expired
 */
export async function loginWithCode(code) {
  const res = await fetch('/dashboard/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ code }),
    credentials: 'same-origin',
  });
  if (!res.ok) throw await errorOf(res);
  return /** @type {{ token: string, user: string, groups: string[], expiresAt: string }} */ (
    await res.json()
  );
}

/**
 * Ends the session of the current token at the server (`POST /dashboard/api/logout`); a failure
 * is ignored (the token is forgotten locally anyway, and sessions expire).
 * @returns {Promise<void>}
 */
export async function logoutSession() {
  const token = getToken();
  if (token === null) return;
  await fetch('/dashboard/api/logout', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    credentials: 'same-origin',
  }).catch(() => undefined);
}
