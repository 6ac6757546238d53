/**
 * Who a request's user is and whether they may make it: the API server's authentication and
 * authorization steps, ahead of serving any resource or non-resource path.
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Context } from 'koa';
import type { Authenticator } from '../auth/authenticator.js';
import { forbiddenMessage, type Authorizer } from '../auth/authorizer.js';
import {
  nonResourceAttributes,
  nonResourceVerb,
  resourceAttributes,
} from '../auth/request-attributes.js';
import { authenticateRequest } from '../auth/authenticate-request.js';
import type { LoginRateLimiter } from '../auth/login-rate-limiter.js';
import { anonymousUser, type UserInfo } from '../auth/user-info.js';
import { ApiError, ForbiddenError } from '../errors/index.js';
import type { DiscoveryPath, ResourcePath } from './request-path.js';

/** Paths served without credentials, like kube-apiserver's public endpoints. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set([
  '/healthz',
  '/readyz',
  '/livez',
  '/version',
]);

/**
 * The verified client certificate of a TLS connection, parsed once per connection: a keep-alive
 * client sends many requests over one socket, and `getPeerCertificate` builds a new object with
 * every call (it showed in the API servers' profiles).
 */
const peerCertificates = new WeakMap<object, PeerCertificate | undefined>();
function peerCertificate(socket: Partial<TLSSocket>): PeerCertificate | undefined {
  if (typeof socket.getPeerCertificate !== 'function' || socket.authorized !== true) {
    return undefined;
  }
  if (peerCertificates.has(socket)) return peerCertificates.get(socket);
  const cert = socket.getPeerCertificate();
  peerCertificates.set(socket, cert);
  return cert;
}

/**
 * The request's user. Public paths are served to anyone; everything else needs credentials that
 * one of the authenticators recognises (401 otherwise), when any authenticator is configured.
 */
export async function requestUser(
  ctx: Context,
  authenticators: readonly Authenticator[],
  loginLimiter: LoginRateLimiter | undefined,
): Promise<UserInfo> {
  if (authenticators.length === 0 || PUBLIC_PATHS.has(ctx.path)) return anonymousUser;
  const cert = peerCertificate(ctx.req.socket as Partial<TLSSocket>);
  const req = {
    headers: ctx.req.headers,
    peerCertificate: cert && Object.keys(cert).length > 0 ? cert : undefined,
    remoteAddress: ctx.req.socket.remoteAddress ?? '',
  };
  try {
    return await authenticateRequest(req, authenticators, loginLimiter);
  } catch (err) {
    if (err instanceof ApiError && err.retryAfterSeconds !== undefined) {
      ctx.set('Retry-After', String(err.retryAfterSeconds));
    }
    throw err;
  }
}

/** 403 unless the authorizer allows the request (resource or non-resource); none allows all. */
export async function authorizeRequest(
  ctx: Context,
  authorizer: Authorizer | undefined,
  user: UserInfo,
  path: string,
  p: ResourcePath | DiscoveryPath | undefined,
): Promise<void> {
  if (!authorizer || PUBLIC_PATHS.has(path)) return;
  const attrs =
    p && !('discovery' in p)
      ? // a proxied `?watch=true` is the member's business: proxy verbs follow the method
        resourceAttributes(user, ctx.method, path, p, p.proxyPath === undefined ? ctx.query : {})
      : nonResourceAttributes(user, nonResourceVerb(ctx.method), path);
  const decision = await authorizer.authorize(attrs);
  if (!decision.allowed) throw new ForbiddenError(forbiddenMessage(attrs, decision.reason));
}
