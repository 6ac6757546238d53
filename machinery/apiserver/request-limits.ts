import type { Context, Next } from 'koa';
import { RequestEntityTooLargeError, TooManyRequestsError } from '../errors/index.js';

/** Limits on concurrent requests, like kube-apiserver's `--max-requests-inflight` pair. */
export interface InFlightLimits {
  /** Read-only requests (GET/HEAD/OPTIONS) served at once. @defaultValue 400 */
  maxRequestsInFlight?: number;
  /** Mutating requests (POST/PUT/PATCH/DELETE) served at once. @defaultValue 200 */
  maxMutatingRequestsInFlight?: number;
}

/** Requests being served now, by kind; the metrics gauge reads the same object. */
export interface InFlightCounts {
  readOnly: number;
  mutating: number;
}

/** Seconds a refused client is asked to wait (kube-apiserver answers 1 as well). */
const RETRY_AFTER_SECONDS = 1;

/** Paths that are never limited: probes must answer even when the server is saturated. */
const EXEMPT = new Set(['/healthz', '/readyz', '/livez']);

/**
 * Long-running requests hold a connection for minutes and would starve the pool, so, as in
 * kube-apiserver, they are not counted: watches and followed logs.
 */
function isLongRunning(ctx: Context): boolean {
  const q = ctx.query;
  return (
    q.watch === 'true' || q.watch === '1' || q.follow === 'true' || ctx.path.includes('/watch/')
  );
}

function isReadOnly(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

/**
 * Koa middleware enforcing the in-flight limits (429 + Retry-After when full, mutating and
 * read-only counted apart so a burst of writes never blocks reads), and closing the connection
 * after a 413 so the rest of an oversized body is not read. `inFlight` is updated in place (it is
 * the source of `apiserver_current_inflight_requests`).
 */
export function requestLimits(
  limits: InFlightLimits = {},
  inFlight: InFlightCounts = { readOnly: 0, mutating: 0 },
): (ctx: Context, next: Next) => Promise<void> {
  const max = {
    readOnly: limits.maxRequestsInFlight ?? 400,
    mutating: limits.maxMutatingRequestsInFlight ?? 200,
  };
  return async (ctx, next) => {
    if (EXEMPT.has(ctx.path) || isLongRunning(ctx)) {
      await next();
      return;
    }
    const kind = isReadOnly(ctx.method) ? 'readOnly' : 'mutating';
    if (max[kind] > 0 && inFlight[kind] >= max[kind]) {
      ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
      throw new TooManyRequestsError('Too many requests, please try again later.', {
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      });
    }
    inFlight[kind]++;
    try {
      await next();
    } catch (err) {
      if (err instanceof RequestEntityTooLargeError) ctx.set('Connection', 'close');
      throw err;
    } finally {
      inFlight[kind]--;
    }
  };
}
