/**
 * Which headers the cluster proxy passes on, in both directions. Hop-by-hop headers (RFC 9110
 * §7.6.1, and those a `Connection` header names) belong to one connection and are dropped; the
 * caller's credentials and impersonation headers are dropped too: the member sees the
 * federation's credentials, impersonating the caller the federation authenticated.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { AUTHENTICATED_GROUP, type UserInfo } from '../../machinery/auth/user-info.js';

/** Headers that only hold for one connection (plus the legacy `proxy-connection`). */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** What is added to the proxied request. */
export interface ProxiedCaller {
  /** The caller as the federation authenticated (and impersonated) it. */
  user: UserInfo;
  /** The federation's bearer token for the member, when its credentials are a token. */
  token?: string;
  /** An upgrade request (exec, attach, port-forward): `Connection`/`Upgrade` are kept. */
  upgrade?: string;
}

/** The header names a `Connection` header lists (they are hop-by-hop for this message). */
function connectionNamed(headers: IncomingHttpHeaders): Set<string> {
  const c = headers.connection;
  const names = (Array.isArray(c) ? c.join(',') : (c ?? '')).split(',');
  return new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => n !== ''));
}

/** Whether a header of the caller's request must not reach the member. */
function droppedRequestHeader(name: string, named: Set<string>): boolean {
  return (
    HOP_BY_HOP_HEADERS.has(name) ||
    named.has(name) ||
    name === 'host' ||
    name === 'authorization' ||
    name.startsWith('impersonate-')
  );
}

/**
 * The headers of the request to the member: the caller's end-to-end headers, the federation's
 * `Authorization` (token credentials; certificates go on the TLS connection), `Impersonate-User`
 * and one `Impersonate-Group` per group of the caller (`system:authenticated` is implied), and for
 * an upgrade `Connection: Upgrade` with the caller's `Upgrade`.
 */
export function proxyRequestHeaders(
  headers: IncomingHttpHeaders,
  caller: ProxiedCaller,
): OutgoingHttpHeaders {
  const named = connectionNamed(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || droppedRequestHeader(name, named)) continue;
    out[name] = value;
  }
  if (caller.token !== undefined) out.authorization = `Bearer ${caller.token}`;
  out['impersonate-user'] = caller.user.name;
  const groups = caller.user.groups.filter((g) => g !== AUTHENTICATED_GROUP);
  if (groups.length > 0) out['impersonate-group'] = groups;
  if (caller.upgrade !== undefined) {
    out.connection = 'Upgrade';
    out.upgrade = caller.upgrade;
  }
  return out;
}

/** The member's response headers handed to the caller: everything but hop-by-hop headers. */
export function proxyResponseHeaders(
  headers: IncomingHttpHeaders,
): Record<string, string | string[]> {
  const named = connectionNamed(headers);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}
