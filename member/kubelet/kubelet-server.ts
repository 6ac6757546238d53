/**
 * The kubelet's own HTTPS API (port 10250 of a real node), which the member API server proxies
 * `pods/log`, `pods/exec` and `pods/attach` to: `GET /containerLogs/{namespace}/{pod}/{container}`,
 * `GET /pods`, `GET /stats/summary` (CPU and memory, for `metrics.k8s.io`), `GET /metrics`, `GET /healthz`, and the WebSocket upgrades `/exec/...` and `/attach/...`
 * ({@link ContainerStreams}).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import type { Logger } from '../../machinery/controller/index.js';
import type { MetricsSource } from '../../machinery/metrics/metrics-endpoint.js';
import { podContainerNames, type Pod } from '../../api/index.js';
import { KUBELET_API_CLIENT_USER } from '../cluster/member-bootstrap-policy.js';
import {
  LABEL_CONTAINER,
  LABEL_POD_UID,
  type ContainerRuntime,
  type LogOptions,
  type RuntimeContainer,
} from './container-runtime.js';
import {
  ContainerStreams,
  parseStreamPath,
  streamProtocols,
  unsupportedUpgrade,
  writeUpgradeError,
} from './kubelet-streaming.js';
import { podPortTarget } from './pod-port-target.js';
import { statsSummary } from './stats-summary.js';

/** Options for {@link KubeletServer}. */
export interface KubeletServerOptions {
  /** The node's address (its loopback 127.x.y.z). */
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Serving certificate and key (PEM); replaceable with {@link KubeletServer.setServingCert}. */
  cert: string;
  key: string;
  /** The cluster CA (PEM): only client certificates it signed authenticate. */
  clientCa: string;
  runtime: ContainerRuntime;
  /** Pods bound to this node. */
  pods: () => Pod[];
  /** The node's name (the Summary API's `node.nodeName`). @defaultValue host */
  nodeName?: string;
  /** The kubelet's Prometheus series, served at `GET /metrics`. @defaultValue none (404) */
  metrics?: MetricsSource;
  logger?: Logger;
}

/** A failed kubelet API request, answered as a Kubernetes Status. */
class KubeletApiError extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeletApiError';
    this.code = code;
    this.reason = reason;
  }
}

/** `?tailLines=&previous=&follow=&timestamps=&sinceSeconds=&limitBytes=`, checked. */
interface LogQuery extends LogOptions {
  previous: boolean;
  follow: boolean;
  limitBytes?: number;
}

function parseLogQuery(q: URLSearchParams): LogQuery {
  const int = (name: string): number | undefined => {
    const v = q.get(name);
    if (v === null) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      throw new KubeletApiError(400, 'BadRequest', `${name} must be a non-negative integer`);
    }
    return n;
  };
  const tailLines = int('tailLines');
  const sinceSeconds = int('sinceSeconds');
  const limitBytes = int('limitBytes');
  return {
    previous: q.get('previous') === 'true',
    follow: q.get('follow') === 'true',
    timestamps: q.get('timestamps') === 'true',
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
  };
}

/** Subject values (a repeated RDN is an array). */
function values(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * The kubelet API over HTTPS. Authentication: a client certificate of the cluster CA (401
 * without one); authorization: user `kube-apiserver-kubelet-client` or group `system:masters`
 * (403 for anyone else, nodes included).
 */
export class KubeletServer {
  private readonly opts: KubeletServerOptions;
  private server: Server | undefined;
  private readonly streams = new Set<AbortController>();
  private readonly sessions: ContainerStreams;

  constructor(opts: KubeletServerOptions) {
    this.opts = opts;
    this.sessions = new ContainerStreams(opts.runtime);
  }

  /** Listens on host:port; resolves to the bound port. */
  async listen(): Promise<number> {
    const server = createServer(
      {
        cert: this.opts.cert,
        key: this.opts.key,
        ca: this.opts.clientCa,
        requestCert: true,
        // answered with 401 instead of a failed handshake
        rejectUnauthorized: false,
      },
      (req, res) => {
        void this.handle(req, res);
      },
    );
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.upgrade(req, socket, head);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    return addr && typeof addr === 'object' ? addr.port : 0;
  }

  /** Serves new connections with another certificate (e.g. once the CA signed one). */
  setServingCert(cert: string, key: string): void {
    this.server?.setSecureContext({
      cert,
      key,
      ca: this.opts.clientCa,
    });
  }

  /** Stops listening and ends open log streams. */
  async close(): Promise<void> {
    for (const s of this.streams) s.abort();
    this.sessions.close();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      this.authorize(req.socket as TLSSocket);
      const url = new URL(req.url ?? '/', 'https://kubelet');
      if (req.method !== 'GET') {
        throw new KubeletApiError(405, 'MethodNotAllowed', `${req.method ?? ''} is not supported`);
      }
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      if (url.pathname === '/pods') {
        const body = { apiVersion: 'v1', kind: 'PodList', metadata: {}, items: this.opts.pods() };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return;
      }
      if (url.pathname === '/metrics' && this.opts.metrics) {
        const text = await this.opts.metrics.render();
        res.writeHead(200, { 'content-type': this.opts.metrics.contentType }).end(text);
        return;
      }
      if (url.pathname === '/stats/summary') {
        const nodeName = this.opts.nodeName ?? this.opts.host;
        const body = await statsSummary(nodeName, this.opts.pods(), this.opts.runtime);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return;
      }
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (!m) throw new KubeletApiError(404, 'NotFound', `${url.pathname} not found`);
      const [ns, pod, container] = m.slice(1).map((s) => decodeURIComponent(s));
      await this.containerLogs(
        ns ?? '',
        pod ?? '',
        container ?? '',
        parseLogQuery(url.searchParams),
        res,
      );
    } catch (err) {
      const e =
        err instanceof KubeletApiError
          ? err
          : new KubeletApiError(
              500,
              'InternalError',
              err instanceof Error ? err.message : String(err),
            );
      if (e.code === 500) this.opts.logger?.warn(`kubelet API: ${e.message}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(e.code, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Status',
          metadata: {},
          status: 'Failure',
          message: e.message,
          reason: e.reason,
          code: e.code,
        }),
      );
    }
  }

  /**
   * exec and attach: authorization, the path and the protocol are refused over HTTP; what goes
   * wrong after (pod, container, runtime) is reported on the upgraded stream's error channel.
   */
  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    let path;
    let url;
    try {
      this.authorize(socket as TLSSocket);
      url = new URL(req.url ?? '/', 'https://kubelet');
      path = parseStreamPath(url.pathname);
      if (!path) throw new KubeletApiError(404, 'NotFound', `${url.pathname} not found`);
      const why = unsupportedUpgrade(req, streamProtocols(path.kind));
      if (why !== undefined) throw new KubeletApiError(400, 'BadRequest', why);
      if (path.kind === 'portForward') {
        const { namespace, pod: name } = path;
        const pod = this.opts
          .pods()
          .find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
        if (!pod) {
          throw new KubeletApiError(404, 'NotFound', `pod "${namespace}/${name}" not found`);
        }
        this.sessions.portForward(req, socket, head, name, podPortTarget(pod, this.opts.host));
        return;
      }
    } catch (err) {
      const e =
        err instanceof KubeletApiError
          ? err
          : new KubeletApiError(500, 'InternalError', String(err));
      writeUpgradeError(socket, e.code, e.reason, e.message);
      return;
    }
    try {
      const rc = await this.container(path.namespace, path.pod, path.container ?? '', false);
      if (!rc.running) {
        throw new Error(`container ${path.container ?? ''} is not running`);
      }
      this.sessions.serve(req, socket, head, path, rc.id, url.searchParams);
    } catch (err) {
      this.sessions.fail(req, socket, head, err instanceof Error ? err.message : String(err));
    }
  }

  /** 401 without a CA-verified certificate, 403 for anyone but the API server and masters. */
  private authorize(socket: TLSSocket): void {
    const cert: PeerCertificate | undefined = socket.authorized
      ? socket.getPeerCertificate()
      : undefined;
    if (!cert || Object.keys(cert).length === 0) {
      throw new KubeletApiError(401, 'Unauthorized', 'Unauthorized');
    }
    const subject = cert.subject as Record<string, string | string[] | undefined> | undefined;
    const cn = values(subject?.CN);
    const groups = values(subject?.O);
    if ((cn.length === 1 && cn[0] === KUBELET_API_CLIENT_USER) || groups.includes(MASTERS_GROUP)) {
      return;
    }
    throw new KubeletApiError(
      403,
      'Forbidden',
      `Forbidden (user=${cn.join(',')}, verb=get, resource=nodes, subresource=proxy)`,
    );
  }

  /** The container of the request: the newest one, or the one before with `previous`. */
  private async container(
    namespace: string,
    name: string,
    container: string,
    previous: boolean,
  ): Promise<RuntimeContainer> {
    const pod = this.opts
      .pods()
      .find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
    if (!pod) throw new KubeletApiError(404, 'NotFound', `pod "${namespace}/${name}" not found`);
    if (!podContainerNames(pod).includes(container)) {
      throw new KubeletApiError(
        400,
        'BadRequest',
        `container ${container} is not valid for pod ${name}`,
      );
    }
    const list = (
      await this.opts.runtime.list({
        [LABEL_POD_UID]: pod.metadata.uid ?? '',
        [LABEL_CONTAINER]: container,
      })
    ).sort((a, b) => b.createdAt - a.createdAt);
    // as the kubelet's lastState: while a container that exited waits to be restarted (back-off),
    // it is the previous one; while the newest runs, or stays terminated, the one before it is
    const policy = pod.spec.restartPolicy ?? 'Always';
    const newest = list[0];
    const waitsForRestart =
      newest !== undefined &&
      !newest.running &&
      (policy === 'Always' || (policy === 'OnFailure' && newest.exitCode !== 0));
    const rc = previous && !waitsForRestart ? list[1] : list[0];
    if (!rc) {
      throw new KubeletApiError(
        400,
        'BadRequest',
        previous
          ? `previous terminated container "${container}" in pod "${name}" not found`
          : `container "${container}" in pod "${name}" is waiting to start`,
      );
    }
    return rc;
  }

  private async containerLogs(
    namespace: string,
    name: string,
    container: string,
    q: LogQuery,
    res: ServerResponse,
  ): Promise<void> {
    const rc = await this.container(namespace, name, container, q.previous);
    const opts: LogOptions = {
      ...(q.tailLines !== undefined ? { tailLines: q.tailLines } : {}),
      ...(q.sinceSeconds !== undefined ? { sinceSeconds: q.sinceSeconds } : {}),
      ...(q.timestamps ? { timestamps: true } : {}),
    };
    const limit = q.limitBytes ?? Infinity;
    const runtime = this.opts.runtime;
    if (!q.follow || q.previous || !rc.running || !runtime.followLogs) {
      const text = Buffer.from(await runtime.logs(rc.id, opts));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(text.subarray(0, Math.min(text.length, limit)));
      return;
    }
    const abort = new AbortController();
    this.streams.add(abort);
    // the client went away (kubectl interrupted, the API server's proxy closed)
    res.on('close', () => abort.abort());
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    let sent = 0;
    try {
      for await (const chunk of runtime.followLogs(rc.id, opts, abort.signal)) {
        const part = chunk.subarray(0, Math.max(0, Math.min(chunk.length, limit - sent)));
        sent += part.length;
        if (part.length > 0) res.write(part);
        if (sent >= limit || abort.signal.aborted) break;
      }
    } finally {
      this.streams.delete(abort);
      abort.abort();
      res.end();
    }
  }
}
