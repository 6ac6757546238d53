/** The dashboard's login API: one-time codes in, session tokens out. */
import type { Context } from 'koa';
import { readRequestBody } from '../../machinery/apiserver/request-body.js';
import type { LoginRateLimiter } from '../../machinery/auth/login-rate-limiter.js';
import { bearerToken } from '../../machinery/auth/static-token-authenticator.js';
import { ANONYMOUS_USER, type UserInfo } from '../../machinery/auth/user-info.js';
import {
  BadRequestError,
  ForbiddenError,
  TooManyRequestsError,
  UnauthorizedError,
} from '../../machinery/errors/index.js';
import type { LoginStore } from './login-store.js';
import type { ResolvedDashboardOptions } from './options.js';
import { isSecretShaped, isSessionToken } from './secrets.js';

/** Public: redeems a one-time code for a session. */
export const LOGIN_PATH = '/dashboard/api/login';
/** Public: ends the session of the bearer token sent. */
export const LOGOUT_PATH = '/dashboard/api/logout';
/** Authenticated (RBAC non-resource URL, verb create): a code for the caller's own identity. */
export const LOGIN_CODES_PATH = '/dashboard/api/login-codes';

/** Answer of {@link LOGIN_PATH}. */
export interface LoginResponse {
  token: string;
  user: string;
  groups: string[];
  expiresAt: string;
}

/** Answer of {@link LOGIN_CODES_PATH}. */
export interface LoginCodeResponse {
  code: string;
  url: string;
  expiresAt: string;
}

/** What the handlers need. */
export interface LoginRouteDeps {
  store: LoginStore;
  opts: ResolvedDashboardOptions;
  /** The API server's failed-login limiter (undefined when it has none). */
  limiter: () => LoginRateLimiter | undefined;
}

/**
 * Answers with JSON holding a secret: as bytes, which the audit log never records (it records
 * only object bodies, even at level RequestResponse), and never cached.
 */
function secretAnswer(ctx: Context, status: number, body: LoginResponse | LoginCodeResponse): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/json';
  ctx.body = Buffer.from(JSON.stringify(body));
}

async function jsonBody(ctx: Context): Promise<Record<string, unknown>> {
  const body = await readRequestBody(ctx.req, ctx.get('content-type') || 'application/json', true);
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/**
 * `POST /dashboard/api/login` `{"code": "..."}`: a session for the code's user, once. Refused
 * with 429 while the client address is over the failed-login limit; every refused code counts.
 * @throws UnauthorizedError for an unknown, expired or used code.
 */
export function loginHandler(deps: LoginRouteDeps): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    const address = ctx.req.socket.remoteAddress ?? '';
    const limiter = deps.limiter();
    const wait = limiter?.retryAfterSeconds(address);
    if (wait !== undefined) {
      ctx.set('Retry-After', String(wait));
      throw new TooManyRequestsError('too many failed login attempts, retry later', {
        retryAfterSeconds: wait,
      });
    }
    const { code } = await jsonBody(ctx);
    if (typeof code !== 'string') {
      throw new BadRequestError('the request body must be {"code": "<one-time login code>"}');
    }
    const user = isSecretShaped(code) ? await deps.store.redeemCode(code) : undefined;
    if (user === undefined) {
      limiter?.recordFailure(address);
      throw new UnauthorizedError('Unauthorized: the login code is unknown, expired or used');
    }
    const session = await deps.store.createSession(user, deps.opts.sessionTtlMs);
    const out: LoginResponse = {
      token: session.secret,
      user: user.name,
      groups: [...user.groups],
      expiresAt: session.expiresAt.toISOString(),
    };
    secretAnswer(ctx, 200, out);
  };
}

/** `POST /dashboard/api/logout` with the session token as bearer: ends it (idempotent). */
export function logoutHandler(deps: LoginRouteDeps): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    const token = bearerToken({
      headers: ctx.req.headers,
      peerCertificate: undefined,
      remoteAddress: '',
    });
    if (token !== undefined && isSessionToken(token)) await deps.store.endSession(token);
    ctx.type = 'application/json';
    ctx.body = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  };
}

/** `Host` as the client sent it, when it is a plain host[:port] (never used when odd). */
function clientHost(ctx: Context): string {
  const host = ctx.get('host');
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host)) {
    throw new BadRequestError('the request has no usable Host header');
  }
  return host;
}

/** The code lifetime a request asks for (`ttlSeconds`), within the configured bounds. */
function codeTtlMs(body: Record<string, unknown>, opts: ResolvedDashboardOptions): number {
  const ttl = body.ttlSeconds;
  if (ttl === undefined) return opts.codeTtlMs;
  const max = Math.floor(opts.maxCodeTtlMs / 1000);
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > max) {
    throw new BadRequestError(`ttlSeconds must be a whole number from 1 to ${String(max)}`);
  }
  return ttl * 1000;
}

/**
 * `POST /dashboard/api/login-codes` `{"ttlSeconds"?: n}`: a one-time code for the CALLER (as
 * authenticated, or as impersonated when the API server allowed it) — nothing of the identity
 * comes from the body. A dashboard session may not make codes: a session then really ends when
 * its lifetime does, instead of renewing itself through fresh codes.
 * @throws ForbiddenError for anonymous callers and dashboard sessions.
 */
export function loginCodesHandler(deps: LoginRouteDeps): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    const user = ctx.state.userInfo as UserInfo | undefined;
    if (user === undefined || user.name === ANONYMOUS_USER) {
      throw new ForbiddenError('login codes are for authenticated users only');
    }
    const token = bearerToken({
      headers: ctx.req.headers,
      peerCertificate: undefined,
      remoteAddress: '',
    });
    if (token !== undefined && isSessionToken(token)) {
      throw new ForbiddenError('a dashboard session cannot create login codes');
    }
    const ttl = codeTtlMs(await jsonBody(ctx), deps.opts);
    const host = clientHost(ctx);
    const issued = await deps.store.createCode(user, ttl);
    const out: LoginCodeResponse = {
      code: issued.secret,
      url: `${ctx.protocol}://${host}/dashboard/#code=${issued.secret}`,
      expiresAt: issued.expiresAt.toISOString(),
    };
    secretAnswer(ctx, 201, out);
  };
}
