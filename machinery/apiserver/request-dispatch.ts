/**
 * Serving an authenticated request: the extra routes, health and version endpoints, discovery,
 * read-only (computed) resources, custom subresources and stored resources, in that order.
 */
import type { Context } from 'koa';
import type { Authorizer } from '../auth/authorizer.js';
import type { UserInfo } from '../auth/user-info.js';
import { MethodNotSupportedError, NotFoundError } from '../errors/index.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { ResourceType } from '../resource-type.js';
import type { DiscoveryIndex } from './discovery.js';
import { refuseDryRun } from './dry-run.js';
import type { NamespaceLifecycle } from './namespace-lifecycle.js';
import { serveOpenApi } from './openapi.js';
import type { RouteHandler } from './public-routes.js';
import type { ReadOnlyResourceHandler } from './read-only-resource.js';
import { authorizeRequest } from './request-auth.js';
import { readRequestBody } from './request-body.js';
import { parseResourcePath, type DiscoveryPath, type ResourcePath } from './request-path.js';
import { handleResource } from './resource-handlers.js';
import type { SubresourceHandler } from './subresource-handler.js';

/** An extra non-resource route (exact path match), authorized like any non-resource URL. */
export interface ApiRoute {
  method: string;
  path: string;
  handler: RouteHandler;
}

/** The API server's settings a request reads (read per request, as the server was given them). */
export interface DispatchOptions {
  authorizer?: Authorizer;
  ready?: () => Promise<boolean>;
  gitVersion?: string;
  bookmarkIntervalMs?: number;
}

/** What {@link dispatchRequest} serves from: the API server's tables, registry and settings. */
export interface DispatchDeps {
  registry: GenericRegistry;
  discovery: DiscoveryIndex;
  /** NamespaceLifecycle admission (undefined when the server serves no namespaces). */
  namespaces: NamespaceLifecycle | undefined;
  routes: readonly ApiRoute[];
  /** Custom subresource handlers, by `group/plural/name`. */
  subresources: ReadonlyMap<string, SubresourceHandler>;
  /** Resources computed by a handler (get/list only), by `group/version/plural`. */
  readOnly: ReadonlyMap<string, ReadOnlyResourceHandler>;
  opts: DispatchOptions;
  /** The server's bound port (for the core discovery document). */
  port: () => number;
}

/** Authorizes and serves one request of an authenticated (possibly impersonated) user. */
export async function dispatchRequest(
  ctx: Context,
  user: UserInfo,
  d: DispatchDeps,
): Promise<void> {
  const path = ctx.path.replace(/\/+$/, '') || '/';
  const p = parseResourcePath(path, (g, v, r) => d.discovery.find(g, v, r) !== undefined);
  // the audit middleware reads it when the request is done instead of parsing the path again
  ctx.state.parsedPath = { path, parsed: p };
  await authorizeRequest(ctx, d.opts.authorizer, user, path, p);
  for (const r of d.routes) {
    if (r.method === ctx.method && r.path === path) {
      await r.handler(ctx);
      return;
    }
  }
  if (await serveNonResource(ctx, path, d.opts)) return;
  if (serveOpenApi(ctx, path, d.discovery)) return;
  if (!p) throw new NotFoundError('the server could not find the requested resource');
  if ('discovery' in p) {
    serveDiscovery(ctx, p, d);
    return;
  }
  const rt = d.discovery.find(p.group, p.version, p.resource);
  if (!rt) {
    throw new NotFoundError(`the server could not find the requested resource (${p.resource})`);
  }
  const reader = d.readOnly.get(`${rt.group}/${rt.version}/${rt.plural}`);
  if (reader) {
    await serveReadOnly(ctx, rt, p, reader, d);
    return;
  }
  if (p.name !== undefined && p.subresource !== undefined) {
    const handler = d.subresources.get(`${rt.group}/${rt.plural}/${p.subresource}`);
    if (handler) {
      const sub = { ...p, name: p.name, subresource: p.subresource };
      await serveSubresource(ctx, user, rt, sub, handler, d);
      return;
    }
  }
  await handleResource(ctx, rt, p, {
    registry: d.registry,
    bookmarkIntervalMs: d.opts.bookmarkIntervalMs ?? 30_000,
    ...(d.namespaces ? { namespaces: d.namespaces } : {}),
  });
}

/** /healthz, /livez, /readyz and /version. @returns false for any other path */
async function serveNonResource(
  ctx: Context,
  path: string,
  opts: DispatchOptions,
): Promise<boolean> {
  if (path === '/healthz' || path === '/livez') {
    ctx.type = 'text/plain';
    ctx.body = 'ok';
    return true;
  }
  if (path === '/readyz') {
    const ok = opts.ready ? await opts.ready().catch(() => false) : true;
    ctx.status = ok ? 200 : 500;
    ctx.type = 'text/plain';
    ctx.body = ok ? 'ok' : 'storage not ready';
    return true;
  }
  if (path === '/version') {
    ctx.body = {
      major: '1',
      minor: '32',
      gitVersion: opts.gitVersion ?? 'v1.32.0-flotilla',
      gitCommit: 'flotilla',
      gitTreeState: 'clean',
      buildDate: '2026-11-25T00:00:00Z',
      goVersion: 'node' + process.versions.node,
      compiler: 'tsc',
      platform: `${process.platform}/${process.arch}`,
    };
    return true;
  }
  return false;
}

/** /api, /apis, /apis/<g> and the group versions' resource lists (404 for unknown ones). */
function serveDiscovery(ctx: Context, p: DiscoveryPath, d: DispatchDeps): void {
  const body =
    p.discovery === 'api'
      ? d.discovery.coreVersions(`${ctx.hostname}:${String(d.port())}`)
      : p.discovery === 'apis'
        ? d.discovery.groupList()
        : p.discovery === 'group'
          ? d.discovery.group(p.group)
          : d.discovery.resourceList(p.group, p.version);
  if (body === undefined) {
    throw new NotFoundError('the server could not find the requested resource');
  }
  ctx.type = 'application/json';
  ctx.body = body;
}

/** The request's single-valued query parameters. */
function stringQuery(ctx: Context): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.query)) if (typeof v === 'string') query[k] = v;
  return query;
}

/** A get or list of a resource computed by a handler (anything else 405). */
async function serveReadOnly(
  ctx: Context,
  rt: ResourceType,
  p: ResourcePath,
  reader: ReadOnlyResourceHandler,
  d: DispatchDeps,
): Promise<void> {
  const watch = ctx.query.watch === 'true' || ctx.query.watch === '1';
  if (ctx.method !== 'GET' || p.subresource !== undefined || watch) {
    throw new MethodNotSupportedError(`${rt.plural}.${rt.group} only supports get and list`);
  }
  const query = stringQuery(ctx);
  ctx.type = 'application/json';
  ctx.body = await reader({
    rt,
    namespace: rt.namespaced ? p.namespace : undefined,
    name: p.name,
    query,
    registry: d.registry,
  });
}

/** A custom subresource (logs, exec, proxy, TokenRequest, Eviction, ...) served by its handler. */
async function serveSubresource(
  ctx: Context,
  user: UserInfo,
  rt: ResourceType,
  p: ResourcePath & { name: string; subresource: string },
  handler: SubresourceHandler,
  d: DispatchDeps,
): Promise<void> {
  // a proxy passes query and body through as they are (the handler streams the body)
  const proxied = p.proxyPath !== undefined;
  if (!proxied) refuseDryRun(ctx.query.dryRun, `${rt.plural}/${p.subresource}`);
  // JSON/YAML, or protobuf from kubectl's typed clients (TokenRequest, Eviction); an
  // upgrade (exec, attach, portforward) has no body
  const body =
    proxied || ctx.method === 'GET' || ctx.get('upgrade') !== ''
      ? undefined
      : await readRequestBody(ctx.req, ctx.get('content-type'), true);
  const query = stringQuery(ctx);
  const result = await handler({
    rt,
    namespace: rt.namespaced ? p.namespace : undefined,
    name: p.name,
    ...(p.proxyPath !== undefined ? { proxyPath: p.proxyPath } : {}),
    method: ctx.method,
    body,
    query,
    user: user.name,
    userInfo: user,
    // handlers that decide more than the request's own verb (promotion approval) ask too
    authorize: (attrs) => d.opts.authorizer?.authorize(attrs) ?? Promise.resolve({ allowed: true }),
    registry: d.registry,
    ctx,
  });
  if (result !== undefined) {
    if (ctx.method === 'POST' && ctx.status === 404) ctx.status = 201;
    ctx.body = result;
  }
}
