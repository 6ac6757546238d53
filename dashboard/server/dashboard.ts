import type { ApiServer } from '../../machinery/apiserver/api-server.js';
import type { Authenticator } from '../../machinery/auth/authenticator.js';
import { InvalidError } from '../../machinery/errors/index.js';
import { LoginStore } from './login-store.js';
import {
  LOGIN_CODES_PATH,
  LOGIN_PATH,
  LOGOUT_PATH,
  loginCodesHandler,
  loginHandler,
  logoutHandler,
  type LoginRouteDeps,
} from './login-routes.js';
import {
  resolveDashboardOptions,
  validateDashboardOptions,
  type DashboardOptions,
  type ResolvedDashboardOptions,
} from './options.js';
import { SessionAuthenticator } from './session-authenticator.js';
import { serveWebFile } from './static-files.js';
import { defaultWebRoot } from './web-root.js';

/** Where the dashboard is served. */
export const DASHBOARD_PATH = '/dashboard';

/**
 * The server side of the federation's web dashboard. Build it before the ApiServer (add
 * {@link Dashboard.authenticator} to the server's authenticators, so session tokens work on every
 * API path with the user's own RBAC) and {@link Dashboard.install} it once the server exists:
 * - `GET /dashboard/…` the browser files, without credentials (`GET /dashboard` redirects);
 * - `POST /dashboard/api/login` one-time code → session token (public);
 * - `POST /dashboard/api/logout` ends the session sent as bearer token (public);
 * - `POST /dashboard/api/login-codes` a one-time code for the caller (authenticated, RBAC).
 */
export class Dashboard {
  /** Accepts the session tokens of {@link Dashboard.store}. */
  readonly authenticator: Authenticator;
  /** Codes and sessions (in the given storage: etcd for a federation). */
  readonly store: LoginStore;
  private readonly opts: ResolvedDashboardOptions;
  private webRoot: string | undefined;

  /** @throws InvalidError for invalid options. */
  constructor(opts: DashboardOptions) {
    this.opts = resolveDashboardOptions(opts);
    const problems = validateDashboardOptions(this.opts);
    if (problems.length > 0) throw new InvalidError(`dashboard: ${problems.join('; ')}`);
    this.store = new LoginStore({ storage: this.opts.storage, now: this.opts.now });
    this.authenticator = new SessionAuthenticator(this.store);
    this.webRoot = this.opts.webRoot;
  }

  /** Registers the dashboard's routes on the server. */
  install(server: ApiServer): void {
    const deps: LoginRouteDeps = {
      store: this.store,
      opts: this.opts,
      limiter: () => server.loginLimiter,
    };
    server.registerPublicRoute(
      'GET',
      DASHBOARD_PATH,
      async (ctx) => {
        if (ctx.path === DASHBOARD_PATH) {
          ctx.redirect(`${DASHBOARD_PATH}/`);
          return;
        }
        await serveWebFile(ctx, this.root(), ctx.path.slice(DASHBOARD_PATH.length + 1));
      },
      { prefix: true },
    );
    server.registerPublicRoute('POST', LOGIN_PATH, loginHandler(deps));
    server.registerPublicRoute('POST', LOGOUT_PATH, logoutHandler(deps));
    server.registerRoute('POST', LOGIN_CODES_PATH, loginCodesHandler(deps));
  }

  private root(): string {
    this.webRoot ??= defaultWebRoot();
    return this.webRoot;
  }
}
