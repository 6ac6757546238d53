import type { Context } from 'koa';

/** A Koa request handler of a route the API server serves. */
export type RouteHandler = (ctx: Context) => Promise<void>;

/** One route served before authentication. */
interface PublicRoute {
  method: string;
  path: string;
  prefix: boolean;
  handler: RouteHandler;
}

/**
 * The routes an ApiServer serves WITHOUT credentials, authorization or impersonation
 * (the dashboard's files and login): exact paths, or with `prefix` every path below them too.
 */
export class PublicRoutes {
  private readonly routes: PublicRoute[] = [];

  /** Adds a route: `path` exactly, or with `prefix` also every path below `path/`. */
  add(method: string, path: string, handler: RouteHandler, prefix: boolean): void {
    this.routes.push({ method, path, prefix, handler });
  }

  /** The handler of the first route matching the request (GET routes answer HEAD too). */
  find(ctx: Context): RouteHandler | undefined {
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
    return this.routes.find(
      (r) =>
        r.method === method &&
        (ctx.path === r.path || (r.prefix && ctx.path.startsWith(`${r.path}/`))),
    )?.handler;
  }
}
