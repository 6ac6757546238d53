import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { RequestDrain } from './request-drain.js';
import Koa, { type Context } from 'koa';
import type { Authenticator } from '../auth/authenticator.js';
import type { Authorizer } from '../auth/authorizer.js';
import { runAsRequestUser } from '../auth/request-user-context.js';
import { impersonatedUser } from '../auth/impersonation.js';
import { LoginRateLimiter, type LoginRateLimiterOptions } from '../auth/login-rate-limiter.js';
import { StaticTokenAuthenticator } from '../auth/static-token-authenticator.js';
import { anonymousUser } from '../auth/user-info.js';
import { ApiError, InternalError } from '../errors/index.js';
import { GenericRegistry } from '../registry/generic-registry.js';
import type { AdmissionPlugin } from '../registry/admission.js';
import { NamespaceLifecycle } from './namespace-lifecycle.js';
import { finalizeNamespace } from './namespace-finalize.js';
import type { ResourceType } from '../resource-type.js';
import { EtcdStorage } from '../storage/etcd-storage.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import { WatchCache, type WatchCacheOptions } from '../storage/watch-cache.js';
import { resourcePrefix } from '../registry/object-names.js';
import { namedLogger } from '../log/default-logger.js';
import type { Logger } from '../log/logger.js';
import { DiscoveryIndex } from './discovery.js';
import { auditMiddleware, type AuditOptions } from './audit-log.js';
import { PublicRoutes } from './public-routes.js';
import { requestLimits, type InFlightLimits } from './request-limits.js';
import type { ReadOnlyResourceHandler } from './read-only-resource.js';
import { PUBLIC_PATHS, requestUser } from './request-auth.js';
import { dispatchRequest, type ApiRoute, type DispatchDeps } from './request-dispatch.js';
import { ApiServerMetrics } from './request-metrics.js';
import { requestLog } from './request-log.js';
import { parseResourcePath } from './request-path.js';
import type { SubresourceHandler } from './subresource-handler.js';
import { serveUpgrades } from './upgrade-requests.js';

/** Options for {@link ApiServer}. */
export interface ApiServerOptions {
  storage: ObjectStorage;
  resources: ResourceType[];
  /** Admission plugins of every create (kube-apiserver's Priority, ResourceQuota). */
  admission?: readonly AdmissionPlugin[];
  /**
   * Bearer tokens → user names (a shorthand for a StaticTokenAuthenticator ahead of
   * `authenticator`). Without either, every request is `system:anonymous` and nothing is refused:
   * only for in-process tests.
   */
  tokens?: Record<string, string>;
  /** Establishes the user of each request; a request nobody recognises gets 401. */
  authenticator?: Authenticator;
  /** Decides what an authenticated user may do (403 otherwise). @defaultValue allow all */
  authorizer?: Authorizer;
  /** Reported by /version. @defaultValue v1.32.0-flotilla */
  gitVersion?: string;
  /** @defaultValue 30000 */
  bookmarkIntervalMs?: number;
  /** Serve HTTPS with this certificate (kubectl only sends bearer tokens over TLS). */
  tls?: {
    cert: string;
    key: string;
    /** CA (PEM) of the client certificates the X509Authenticator accepts; asks clients for one. */
    clientCa?: string;
  };
  /** Failed-login limit per client address (429 beyond it). @defaultValue 10 per 10 s */
  loginRateLimit?: LoginRateLimiterOptions | false;
  /** Extra readiness check for /readyz (e.g. storage reachable). */
  ready?: () => Promise<boolean>;
  /** Audit log policy and sink; without it requests only get an `Audit-Id` header. */
  audit?: AuditOptions;
  /** Concurrent request limits (429 beyond). @defaultValue 400 read-only, 200 mutating */
  limits?: InFlightLimits;
  /** Request log and errors. @defaultValue the process's logger (machinery/log) */
  logger?: Logger;
  /**
   * The watch cache over `storage` (watch-cache.ts) for the `resources` given here; `false`
   * serves every read and watch from storage. @defaultValue on, with its defaults
   */
  watchCache?: false | Omit<WatchCacheOptions, 'resources'>;
}

/**
 * A Kubernetes-style REST API server, generic over {@link ResourceType}s: discovery, CRUD, patch,
 * watch, status/scale subresources, Table output, custom subresources, Status error bodies.
 */
export class ApiServer {
  readonly app: Koa;
  readonly registry: GenericRegistry;
  readonly discovery: DiscoveryIndex;
  /** NamespaceLifecycle admission (undefined when the server serves no namespaces). */
  private readonly namespaces: NamespaceLifecycle | undefined;
  /** Watches and "any version" reads of the served types from memory (undefined when off). */
  readonly watchCache: WatchCache | undefined;
  /** Prometheus metrics served at /metrics; `metrics.workqueues` is for the controllers. */
  readonly metrics = new ApiServerMetrics();
  private server: Server | undefined;
  /** Connections handed to upgrade handlers (exec, attach): closed with the server. */
  private upgraded = new Set<Duplex>();
  private readonly drain = new RequestDrain();
  private readonly opts: ApiServerOptions;
  private readonly log: Logger;
  private readonly subresources = new Map<string, SubresourceHandler>();
  /** Resources computed by a handler (get/list only), by `group/version/plural`. */
  private readonly readOnly = new Map<string, ReadOnlyResourceHandler>();
  private readonly routes: ApiRoute[] = [];
  /** Routes served before authentication (the dashboard's files and login), see registerPublicRoute. */
  private readonly publicRoutes = new PublicRoutes();
  /** What requests are served from (the tables above, registry, discovery, options). */
  private readonly dispatch: DispatchDeps;

  private readonly authenticators: Authenticator[] = [];
  /** Failed logins per client address; public login routes record their failures here too. */
  readonly loginLimiter: LoginRateLimiter | undefined;

  constructor(opts: ApiServerOptions) {
    this.opts = opts;
    this.log = opts.logger ?? namedLogger('apiserver');
    if (opts.tokens) this.authenticators.push(StaticTokenAuthenticator.fromRecord(opts.tokens));
    if (opts.authenticator) this.authenticators.push(opts.authenticator);
    this.loginLimiter =
      opts.loginRateLimit === false ? undefined : new LoginRateLimiter(opts.loginRateLimit);
    if (opts.watchCache !== false) {
      this.watchCache = new WatchCache(opts.storage, {
        ...opts.watchCache,
        resources: opts.resources.map((rt) => resourcePrefix(rt)),
        onRestart: (reason) => {
          this.log.warn('watch cache restarts', { reason });
        },
      });
      this.watchCache.start();
    }
    this.registry = new GenericRegistry({
      storage: this.watchCache ?? opts.storage,
      ...(opts.admission ? { admission: opts.admission } : {}),
    });
    // etcd_request_duration_seconds on this server's /metrics
    if (opts.storage instanceof EtcdStorage) opts.storage.observeRequests(this.metrics.etcdRequest);
    this.discovery = new DiscoveryIndex(opts.resources);
    // NamespaceLifecycle admission and namespaces/finalize wherever namespaces are served
    const namespaceType = this.discovery.find('', 'v1', 'namespaces');
    if (namespaceType) {
      this.namespaces = new NamespaceLifecycle({ registry: this.registry, namespaceType });
      this.subresources.set(`/namespaces/finalize`, finalizeNamespace);
      this.discovery.addSubresource(namespaceType, 'finalize');
    }
    this.dispatch = {
      registry: this.registry,
      discovery: this.discovery,
      namespaces: this.namespaces,
      routes: this.routes,
      subresources: this.subresources,
      readOnly: this.readOnly,
      opts,
      port: () => this.port,
    };
    this.app = new Koa();
    // Clients closing watch streams is normal; anything else is worth a line.
    this.app.on('error', (err: NodeJS.ErrnoException) => {
      if (
        err.code === 'ERR_STREAM_PREMATURE_CLOSE' ||
        err.code === 'ECONNRESET' ||
        err.code === 'EPIPE'
      ) {
        return;
      }
      this.log.error(err.message, { code: err.code });
    });
    // counts the requests a graceful close waits for (watches and followed logs never end)
    this.app.use(this.drain.middleware());
    // outermost, so the audit event sees the final status of every request, 401/429 included
    this.app.use(
      auditMiddleware(opts.audit, (path) =>
        parseResourcePath(path, (g, v, r) => this.discovery.find(g, v, r) !== undefined),
      ),
    );
    // one line per request (-v 2; 5xx and slow ones always), the rest run with its request id
    this.app.use(requestLog(this.log));
    // outside the error middleware: counts each request with its final status code
    this.app.use(this.metrics.middleware());
    this.app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        const e =
          err instanceof ApiError
            ? err
            : new InternalError(err instanceof Error ? err.message : String(err), { cause: err });
        if (!(err instanceof ApiError)) {
          this.log.error('internal error', {
            err: err instanceof Error ? (err.stack ?? err.message) : String(err),
          });
        }
        ctx.status = e.code;
        ctx.type = 'application/json';
        ctx.body = e.toStatus();
      }
    });
    this.app.use(requestLimits(opts.limits, this.metrics.inFlight));
    this.app.use(async (ctx) => {
      await this.route(ctx);
    });
    // a non-resource URL: RBAC decides (nonResourceURLs /metrics, e.g. system:monitoring)
    this.registerRoute('GET', '/metrics', (ctx) => this.metrics.serve(ctx));
  }

  /**
   * Serves a resource type from storage from now on, with discovery and OpenAPI (custom resources
   * of a CustomResourceDefinition). Requests already in flight are not affected.
   */
  addResourceType(rt: ResourceType): void {
    this.discovery.add(rt);
  }

  /** Stops serving a type added with {@link addResourceType}; its stored objects are kept. */
  removeResourceType(rt: ResourceType): void {
    this.discovery.remove(rt);
  }

  /** Registers a custom subresource handler, e.g. (`pods`, `log`). */
  registerSubresource(rt: ResourceType, name: string, handler: SubresourceHandler): void {
    this.subresources.set(`${rt.group}/${rt.plural}/${name}`, handler);
    this.discovery.addSubresource(rt, name);
  }

  /**
   * Serves a resource from a handler instead of storage (get and list only; other verbs 405), with
   * its discovery entry, e.g. `metrics.k8s.io` nodes and pods. RBAC applies as to any resource.
   */
  registerReadOnlyResource(rt: ResourceType, handler: ReadOnlyResourceHandler): void {
    this.readOnly.set(`${rt.group}/${rt.version}/${rt.plural}`, handler);
    this.discovery.add(rt, ['get', 'list']);
  }

  /** Registers an extra non-resource route (exact path match). */
  registerRoute(method: string, path: string, handler: (ctx: Context) => Promise<void>): void {
    this.routes.push({ method, path, handler });
  }

  /**
   * Registers a route served WITHOUT credentials, authorization or impersonation (like /healthz):
   * `path` exactly, or with `prefix` also every path below `path/`. GET routes answer HEAD too.
   * The handler sees the raw `ctx.path` (a trailing slash kept) and must check its own input.
   */
  registerPublicRoute(
    method: string,
    path: string,
    handler: (ctx: Context) => Promise<void>,
    opts: { prefix?: boolean } = {},
  ): void {
    this.publicRoutes.add(method, path, handler, opts.prefix === true);
  }

  private async route(ctx: Context): Promise<void> {
    const open = this.publicRoutes.find(ctx);
    if (open) {
      ctx.state.user = anonymousUser.name;
      ctx.state.userInfo = anonymousUser;
      await open(ctx);
      return;
    }
    // kubectl --as / --as-group: the real user must be allowed to impersonate (403 otherwise);
    // public paths are served to anyone, so an impersonation header there (a proxy that always
    // sends one, e.g. the federation's cluster proxy) changes nothing and is not checked
    const real = await requestUser(ctx, this.authenticators, this.loginLimiter);
    const user = PUBLIC_PATHS.has(ctx.path)
      ? real
      : await impersonatedUser(real, ctx.req.headersDistinct, this.opts.authorizer);
    ctx.state.user = user.name;
    ctx.state.userInfo = user;
    // admission hooks that need the groups (RBAC escalation checks) read the user from here
    await runAsRequestUser(user, () => dispatchRequest(ctx, user, this.dispatch));
  }

  /** The bound port (0 before listen). */
  get port(): number {
    const addr = this.server?.address();
    return addr && typeof addr === 'object' ? addr.port : 0;
  }

  /** Starts listening; resolves to the base URL. */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    // default, kube-system and kube-public exist before the first request (NamespaceLifecycle
    // refuses content in a missing namespace); a storage not reachable yet is the caller's
    // concern on its first write, not a reason to refuse to serve
    await this.namespaces?.ensureImmortalNamespaces().catch((err: unknown) => {
      this.log.warn(`could not create the system namespaces: ${String(err)}`);
    });
    const handle = this.app.callback();
    // koa's handler settles its own promise (errors become responses in the error middleware)
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      void handle(req, res);
    };
    const server: Server = this.opts.tls
      ? createTlsServer(
          {
            cert: this.opts.tls.cert,
            key: this.opts.tls.key,
            // ask for a client certificate but let requests without one (or with a foreign one)
            // through to the token authenticators; only CA-verified ones count (socket.authorized)
            ...(this.opts.tls.clientCa !== undefined
              ? { requestCert: true, rejectUnauthorized: false, ca: this.opts.tls.clientCa }
              : {}),
          },
          listener,
        )
      : createServer(listener);
    server.keepAliveTimeout = 65_000;
    // kubectl exec/attach/port-forward: the same way as any other request (upgrade-requests.ts)
    this.upgraded = serveUpgrades(server, listener);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        resolve();
      });
    });
    return `${this.opts.tls ? 'https' : 'http'}://${host}:${String(this.port)}`;
  }

  /**
   * Graceful shutdown, as kube-apiserver's: stops accepting connections, lets the requests in
   * flight finish (at most `graceMs`), then closes what is left open (watches, followed logs,
   * exec and port-forward streams, idle keep-alive connections), which clients see as a closed
   * watch and re-establish against another API server.
   */
  async close(graceMs = 10_000): Promise<void> {
    const server = this.server;
    if (!server) {
      await this.watchCache?.close();
      return;
    }
    this.server = undefined;
    const closed = new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    server.closeIdleConnections();
    await this.drain.wait(graceMs);
    for (const s of this.upgraded) s.destroy();
    server.closeAllConnections();
    await closed;
    await this.watchCache?.close();
  }
}
