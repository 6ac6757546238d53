/**
 * `pods/log` as kube-apiserver serves it: proxied over HTTPS to the kubelet API of the pod's node
 * (`GET https://<InternalIP>:<kubeletEndpoint port>/containerLogs/<ns>/<pod>/<container>`).
 */
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import type { SubresourceHandler } from '../../machinery/apiserver/index.js';
import type { ClientCert } from '../../machinery/apiserver/cert-authority.js';
import {
  ApiError,
  BadRequestError,
  errorFromStatus,
  NotFoundError,
} from '../../machinery/errors/index.js';
import type { Status } from '../../machinery/meta.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { nodeType, type Node, type Pod } from '../../api/index.js';

/** Options for {@link podLogProxy}. */
export interface PodLogProxyOptions {
  /** The API server's client certificate towards kubelets (CN kube-apiserver-kubelet-client). */
  clientCert: ClientCert;
  /** The cluster CA (PEM): kubelets' serving certificates must chain to it. */
  ca: string;
  /** How long to wait for the kubelet's response headers. @defaultValue 10000 */
  timeoutMs?: number;
}

/** Query parameters handed to the kubelet as they are. */
const PASSED = ['tailLines', 'previous', 'follow', 'timestamps', 'sinceSeconds', 'limitBytes'];
const STATUS_SERVICE_UNAVAILABLE = 503;

/** 503 ServiceUnavailable: the kubelet cannot be reached (or reports no API). */
export function unavailable(message: string, cause?: unknown): ApiError {
  return new ApiError(
    STATUS_SERVICE_UNAVAILABLE,
    'ServiceUnavailable',
    message,
    cause === undefined ? {} : { cause },
  );
}

/** The kubelet API address of a Node: InternalIP and `daemonEndpoints.kubeletEndpoint.Port`. */
export function kubeletAddress(node: Node): { host: string; port: number } | undefined {
  const host = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return host && port ? { host, port } : undefined;
}

/** The whole body of a response, as text. */
export async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The pods/log handler of a member API server whose kubelets run as their own processes. Reads
 * the pod and its Node, then streams the kubelet's answer back (`follow=true` streams until the
 * container stops or the client disconnects, which closes the kubelet connection too). The
 * kubelet's certificate is verified against the cluster CA for the node's IP. Errors: an unbound
 * pod 400, a pod with several containers and no `container` 400, an unreachable kubelet 503
 * ServiceUnavailable, and the kubelet's own Status errors (400/404) as they are. Register:
 * `server.registerSubresource(podType, 'log', podLogProxy({ clientCert, ca }))`.
 */
export function podLogProxy(opts: PodLogProxyOptions): SubresourceHandler {
  const agent = new Agent({
    keepAlive: true,
    cert: opts.clientCert.cert,
    key: opts.clientCert.key,
    ca: opts.ca,
  });
  const nodes = nodeType as unknown as ResourceType;
  return async (req) => {
    if (req.method !== 'GET') throw new BadRequestError('pods/log only supports GET');
    const pod = (await req.registry.get(req.rt, req.namespace, req.name)) as Pod;
    const nodeName = pod.spec.nodeName;
    if (!nodeName) {
      throw new BadRequestError(`pod ${req.name} is not running on a node of this cluster yet`);
    }
    const names = pod.spec.containers.map((c) => c.name);
    const container = req.query.container ?? (names.length === 1 ? names[0] : undefined);
    if (container === undefined) {
      throw new BadRequestError(
        `a container name must be specified for pod ${req.name}, choose one of: [${names.join(' ')}]`,
      );
    }
    const node = (await req.registry.get(nodes, undefined, nodeName).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw unavailable(`node "${nodeName}" not found`, err);
      throw err;
    })) as Node;
    const addr = kubeletAddress(node);
    if (!addr) throw unavailable(`node "${nodeName}" reports no kubelet API endpoint`);
    const query = new URLSearchParams();
    for (const k of PASSED) {
      const v = req.query[k];
      if (v !== undefined) query.set(k, v);
    }
    const path = `/containerLogs/${[req.namespace ?? 'default', req.name, container].map(encodeURIComponent).join('/')}`;
    const where = `${addr.host}:${String(addr.port)}`;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = request(
        {
          host: addr.host,
          port: addr.port,
          path: `${path}${query.size > 0 ? `?${query.toString()}` : ''}`,
          method: 'GET',
          agent,
        },
        (m) => {
          // only the wait for the headers is bounded: a followed log may be quiet for long
          r.setTimeout(0);
          resolve(m);
        },
      );
      r.setTimeout(opts.timeoutMs ?? 10_000, () => {
        r.destroy(new Error(`no response within ${String(opts.timeoutMs ?? 10_000)} ms`));
      });
      r.on('error', (err) => {
        reject(
          unavailable(
            `error trying to reach the kubelet of node "${nodeName}" (${where}): ${err.message}`,
            err,
          ),
        );
      });
      // the client gave up before the kubelet answered (the response closed unfinished)
      req.ctx.res.once('close', () => {
        if (!req.ctx.res.writableFinished && !req.ctx.headerSent) r.destroy();
      });
      r.end();
    });
    const code = res.statusCode ?? 502;
    if (code >= 300) {
      const text = await readAll(res);
      let status: Partial<Status> = { message: text };
      try {
        status = JSON.parse(text) as Partial<Status>;
      } catch {
        // not a Status: the text is the message
      }
      // the kubelet refusing the API server is the server's problem, not the client's credentials
      if (code === 401 || code === 403) {
        throw unavailable(
          `the kubelet of node "${nodeName}" refused the API server: ${status.message ?? ''}`,
        );
      }
      throw errorFromStatus(status, code);
    }
    req.ctx.status = 200;
    req.ctx.type = 'text/plain';
    // koa pipes the stream and destroys it (closing the kubelet connection) when the client leaves
    req.ctx.body = res;
    return undefined;
  };
}
