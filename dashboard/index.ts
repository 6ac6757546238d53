/**
 * The federation's web dashboard, server side: the browser files (`dashboard/web/`), one-time
 * login codes and sessions, and the session authenticator. The federation API server builds a
 * {@link Dashboard} on its etcd storage and installs it.
 */
export { Dashboard, DASHBOARD_PATH } from './server/dashboard.js';
export {
  dashboardDefaults,
  resolveDashboardOptions,
  validateDashboardOptions,
  type DashboardOptions,
} from './server/options.js';
export { LoginStore, type IssuedSecret, type LoginStoreOptions } from './server/login-store.js';
export {
  LOGIN_CODES_PATH,
  LOGIN_PATH,
  LOGOUT_PATH,
  type LoginCodeResponse,
  type LoginResponse,
} from './server/login-routes.js';
export { SessionAuthenticator } from './server/session-authenticator.js';
export { DASHBOARD_CSP } from './server/static-files.js';
export { defaultWebRoot } from './server/web-root.js';
