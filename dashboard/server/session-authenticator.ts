import type { AuthenticationRequest, Authenticator } from '../../machinery/auth/authenticator.js';
import { bearerToken } from '../../machinery/auth/static-token-authenticator.js';
import type { UserInfo } from '../../machinery/auth/user-info.js';
import type { LoginStore } from './login-store.js';
import { isSessionToken } from './secrets.js';

/**
 * Authenticates dashboard session tokens (`Authorization: Bearer flotilla-dashboard.…`) as the
 * user and groups of the login code the session was made from, on every API path. Other bearer
 * tokens are left to the other authenticators without a storage read. An unknown, expired or
 * ended session resolves to undefined, which the API server answers with 401 and counts as a
 * failed login of the client address.
 */
export class SessionAuthenticator implements Authenticator {
  private readonly store: LoginStore;

  constructor(store: LoginStore) {
    this.store = store;
  }

  async authenticate(req: AuthenticationRequest): Promise<UserInfo | undefined> {
    const token = bearerToken(req);
    if (token === undefined || !isSessionToken(token)) return undefined;
    return this.store.sessionUser(token);
  }
}
