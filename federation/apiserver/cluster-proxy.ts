/**
 * The cluster proxy, as Karmada's `clusters/proxy`: any request to
 * `/apis/cluster.flotilla.io/v1alpha1/clusters/<name>/proxy/<path>?<query>` is authorized at the
 * federation as the `clusters/proxy` subresource (verb from the method, as kube-apiserver's
 * `nodes/proxy`), then forwarded to `<member API>/<path>?<query>` with the federation's credentials
 * for that member and `Impersonate-User`/`Impersonate-Group` naming the caller, so the member's
 * RBAC decides what the caller may do there. Responses (watches and followed logs included) are
 * piped, never buffered; upgrade requests (exec, attach, port-forward) are forwarded with their
 * upgrade and the two connections spliced once the member switched protocols.
 */
import {
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestOptions,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { secretType } from '../../api/index.js';
import { clusterType, type Cluster } from '../apis/index.js';
import type {
  SubresourceHandler,
  SubresourceRequest,
} from '../../machinery/apiserver/subresource-handler.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { proxyRequestHeaders, proxyResponseHeaders } from './cluster-proxy-headers.js';
import {
  ClusterProxyTransports,
  type CredentialsSecret,
  type MemberTransport,
} from './cluster-proxy-transport.js';
import { ClusterProxyUnavailableError } from './cluster-proxy-unavailable-error.js';

/** Options for {@link clusterProxyHandler}. */
export interface ClusterProxyOptions {
  /**
   * How long to wait for a member's response headers (connect included); only that wait is
   * bounded, a watch or followed log may then stay quiet for long. @defaultValue 10000
   */
  timeoutMs?: number;
  /** Connections to members. @defaultValue a cache of its own */
  transports?: ClusterProxyTransports;
}

/** Status codes whose responses have no body. */
const NO_BODY = new Set([204, 304]);

/** The member path: the endpoint's base path, the proxied path and the query, as sent. */
export function memberPath(endpoint: URL, proxyPath: string, querystring: string): string {
  const base = endpoint.pathname.replace(/\/+$/, '');
  const path = proxyPath.startsWith('/') ? proxyPath : `/${proxyPath}`;
  return `${base}${path}${querystring !== '' ? `?${querystring}` : ''}`;
}

/** The cluster's transport: Push mode and a readable credentials Secret, 503 otherwise. */
async function transportOf(
  req: SubresourceRequest,
  cluster: Cluster,
  transports: ClusterProxyTransports,
): Promise<MemberTransport> {
  const name = req.name;
  const ref = cluster.spec.secretRef;
  if (cluster.spec.syncMode === 'Pull' || !ref) {
    throw new ClusterProxyUnavailableError(
      name,
      `cluster "${name}" is in Pull mode: the federation holds no credentials for it and cannot reach its API server (its agent connects to the federation instead)`,
      { retryable: false },
    );
  }
  const secrets = secretType;
  const secret = (await req.registry.get(secrets, ref.namespace, ref.name).catch((err: unknown) => {
    if (err instanceof NotFoundError) {
      throw new ClusterProxyUnavailableError(
        name,
        `cluster "${name}": credentials secret ${ref.namespace}/${ref.name} not found`,
        { cause: err },
      );
    }
    throw err;
  })) as CredentialsSecret;
  try {
    return transports.for(cluster, secret);
  } catch (err) {
    throw new ClusterProxyUnavailableError(
      name,
      `cluster "${name}": unusable endpoint or credentials: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err, retryable: false },
    );
  }
}

/** Sends the request to the member; resolves with its response or its 101 upgrade. */
function open(
  cluster: string,
  t: MemberTransport,
  options: RequestOptions,
  timeoutMs: number,
  send: (r: ClientRequest) => void,
): Promise<{ res: IncomingMessage; socket?: Duplex; head?: Buffer }> {
  const https = t.endpoint.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const r = (https ? httpsRequest : httpRequest)({
      protocol: t.endpoint.protocol,
      host: t.endpoint.hostname,
      port: t.endpoint.port,
      ...options,
    });
    // a timer of its own: the request's socket timeout only starts once connected, and a
    // member that takes the connection but never completes the TLS handshake would hang it
    const timer = setTimeout(() => {
      r.destroy(new Error(`no response within ${String(timeoutMs)} ms`));
    }, timeoutMs);
    r.on('response', (res) => {
      clearTimeout(timer);
      resolve({ res });
    });
    r.on('upgrade', (res, socket, head) => {
      clearTimeout(timer);
      resolve({ res, socket, head });
    });
    r.on('error', (err) => {
      clearTimeout(timer);
      reject(
        new ClusterProxyUnavailableError(
          cluster,
          `cannot reach the API server of cluster "${cluster}" (${t.endpoint.host}): ${err.message}`,
          { cause: err },
        ),
      );
    });
    send(r);
  });
}

/** Splices two upgraded connections; either closing closes the other. */
function splice(a: Duplex, b: Duplex): void {
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
  a.pipe(b);
  b.pipe(a);
}

/** Hands the member's ordinary response to the caller, its body piped as it comes. */
function respond(req: SubresourceRequest, res: IncomingMessage): void {
  const code = res.statusCode ?? 502;
  const ctx = req.ctx;
  ctx.status = code;
  for (const [k, v] of Object.entries(proxyResponseHeaders(res.headers))) ctx.set(k, v);
  if (NO_BODY.has(code) || req.method === 'HEAD') {
    res.resume();
    return;
  }
  // koa pipes it, and destroys it (closing the member connection) when the caller leaves
  ctx.body = res;
}

/**
 * The `clusters/proxy` handler of the federation API server. Errors, as Kubernetes Status: an
 * unknown cluster 404; a Pull-mode cluster, missing credentials, an unreachable member or one that
 * does not answer within `timeoutMs` 503 ServiceUnavailable; anything the member answers (its
 * 403 for a caller without rights there included) is passed through as it is. Register:
 * `server.registerSubresource(clusterType, 'proxy', clusterProxyHandler())`.
 */
export function clusterProxyHandler(opts: ClusterProxyOptions = {}): SubresourceHandler {
  const transports = opts.transports ?? new ClusterProxyTransports();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const clusters = clusterType as unknown as ResourceType;
  return async (req) => {
    const cluster = (await req.registry.get(clusters, undefined, req.name)) as Cluster;
    const t = await transportOf(req, cluster, transports);
    const ctx = req.ctx;
    const upgrade = ctx.get('upgrade');
    const headers: OutgoingHttpHeaders = proxyRequestHeaders(ctx.req.headers, {
      user: req.userInfo,
      ...(t.token !== undefined ? { token: t.token } : {}),
      ...(upgrade !== '' ? { upgrade } : {}),
    });
    const path = memberPath(t.endpoint, req.proxyPath ?? '/', ctx.querystring);
    const out = await open(
      req.name,
      t,
      {
        method: req.method,
        path,
        headers,
        // an upgraded connection leaves the pool: give it one of its own
        ...(upgrade !== '' ? { agent: false, ...t.tls } : { agent: t.agent }),
      },
      timeoutMs,
      (r) => {
        // the caller gave up before the member answered
        ctx.res.once('close', () => {
          if (!ctx.headerSent) r.destroy();
        });
        if (upgrade !== '') r.end();
        else ctx.req.pipe(r);
      },
    );
    if (!out.socket) {
      respond(req, out.res);
      return undefined;
    }
    const client = ctx.req.socket as Duplex;
    if (client.destroyed) {
      out.socket.destroy();
      return undefined;
    }
    // the member's 101, with its subprotocol and accept key, goes to the caller as it is
    ctx.respond = false;
    ctx.status = 101;
    const lines = ['HTTP/1.1 101 Switching Protocols'];
    const raw = out.res.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) lines.push(`${raw[i] ?? ''}: ${raw[i + 1] ?? ''}`);
    client.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (out.head && out.head.length > 0) client.write(out.head);
    splice(client, out.socket);
    return undefined;
  };
}
