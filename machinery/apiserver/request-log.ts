/**
 * The API server's request log: every request at debug (`-v 2`), every 5xx at warn and every
 * request slower than a second at info, with `requestId` (the `Audit-Id` the response carries),
 * user, verb, resource, name, code and latencyMs. It also runs the rest of the request with its
 * request id in the log context, so that every line logged on the way, and every object the
 * request writes to storage (stored-request-id.ts), carries it.
 */
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { Context, Next } from 'koa';
import { resourceVerb } from '../auth/request-attributes.js';
import type { UserInfo } from '../auth/user-info.js';
import { runWithLogContext } from '../log/log-context.js';
import type { LogFields, Logger } from '../log/logger.js';
import type { DiscoveryPath, ResourcePath } from './request-path.js';

/** Requests slower than this are logged at warn. */
export const SLOW_REQUEST_MS = 1000;

function fieldsOf(ctx: Context, latencyMs: number): LogFields {
  const routed = ctx.state.parsedPath as
    { parsed: ResourcePath | DiscoveryPath | undefined } | undefined;
  const p = routed?.parsed && !('discovery' in routed.parsed) ? routed.parsed : undefined;
  const user = ctx.state.userInfo as UserInfo | undefined;
  const f: LogFields = {
    requestId: ctx.state.auditID as string | undefined,
    user: user?.name ?? '',
    verb: p ? resourceVerb(ctx.method, p, ctx.query) : ctx.method.toLowerCase(),
  };
  if (p) {
    f.resource = p.group === '' ? p.resource : `${p.resource}.${p.group}`;
    if (p.subresource !== undefined) f.subresource = p.subresource;
    if (p.namespace !== undefined) f.namespace = p.namespace;
    // a create names its object in the body, not the URL
    const created = (ctx.body as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
    const name =
      p.name ?? (ctx.method === 'POST' && typeof created === 'string' ? created : undefined);
    if (name !== undefined) f.name = name;
  } else f.path = ctx.path;
  f.code = ctx.status;
  f.latencyMs = Math.round(latencyMs);
  return f;
}

/**
 * Koa middleware, placed right inside the audit middleware (which makes `ctx.state.auditID`).
 * A watch or followed log is logged when its stream ends.
 */
export function requestLog(logger: Logger): (ctx: Context, next: Next) => Promise<void> {
  const write = (ctx: Context, start: number): void => {
    const latency = performance.now() - start;
    const streamed = ctx.body instanceof Readable;
    if (ctx.status >= 500) logger.warn('request failed', fieldsOf(ctx, latency));
    else if (latency > SLOW_REQUEST_MS && !streamed) {
      logger.info('slow request', fieldsOf(ctx, latency));
    } else if (logger.enabled('debug')) logger.debug('request', fieldsOf(ctx, latency));
  };
  return async (ctx, next) => {
    const start = performance.now();
    const requestId = ctx.state.auditID as string | undefined;
    try {
      await (requestId === undefined ? next() : runWithLogContext({ requestId }, next));
    } finally {
      if (ctx.body instanceof Readable && !ctx.res.writableFinished) {
        ctx.res.once('close', () => {
          write(ctx, start);
        });
      } else write(ctx, start);
    }
  };
}
