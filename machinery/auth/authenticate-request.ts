import { TooManyRequestsError, UnauthorizedError } from '../errors/index.js';
import type { AuthenticationRequest, Authenticator } from './authenticator.js';
import type { LoginRateLimiter } from './login-rate-limiter.js';
import type { UserInfo } from './user-info.js';

/**
 * Runs the authenticators for a request that is not on a public path. Bearer-token attempts from
 * an address that failed too often recently are refused with 429 before any token is looked at,
 * and every refused token counts as a failure. Verified client certificates are never limited: the
 * TLS handshake already proved the key, there is nothing to guess, and the cluster's own
 * components (which share 127.0.0.1 with everyone in a local set-up) keep working during an attack.
 * @throws TooManyRequestsError (with retryAfterSeconds) while the address is limited.
 * @throws UnauthorizedError when no authenticator recognises the credentials.
 */
export async function authenticateRequest(
  req: AuthenticationRequest,
  authenticators: readonly Authenticator[],
  limiter: LoginRateLimiter | undefined,
): Promise<UserInfo> {
  const guessable = req.peerCertificate === undefined && req.headers.authorization !== undefined;
  if (limiter && guessable) {
    const wait = limiter.retryAfterSeconds(req.remoteAddress);
    if (wait !== undefined) {
      throw new TooManyRequestsError('too many failed login attempts, retry later', {
        retryAfterSeconds: wait,
      });
    }
  }
  try {
    for (const a of authenticators) {
      const user = await a.authenticate(req);
      if (user !== undefined) return user;
    }
  } catch (err) {
    if (err instanceof UnauthorizedError && guessable) limiter?.recordFailure(req.remoteAddress);
    throw err;
  }
  if (guessable) limiter?.recordFailure(req.remoteAddress);
  throw new UnauthorizedError('Unauthorized');
}
