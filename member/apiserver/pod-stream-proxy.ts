/**
 * `pods/exec`, `pods/attach` and `pods/portforward` as kube-apiserver serves them: the client's
 * upgrade request is checked (pod bound, container known), then proxied with its upgrade to the
 * kubelet API of the pod's node (`/exec|attach/<ns>/<pod>/<container>`, `/portForward/<ns>/<pod>`)
 * and, once the kubelet switched protocols, the two connections are spliced together.
 */
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import type { Duplex } from 'node:stream';
import type { SubresourceHandler } from '../../machinery/apiserver/index.js';
import { BadRequestError, errorFromStatus, NotFoundError } from '../../machinery/errors/index.js';
import type { Status } from '../../machinery/meta.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { nodeType, podContainerNames, type Node, type Pod } from '../../api/index.js';
import { kubeletAddress, readAll, unavailable, type PodLogProxyOptions } from './pod-log-proxy.js';

/** The streaming subresources of pods. */
export type PodStreamKind = 'exec' | 'attach' | 'portforward';

/** Options for {@link podStreamProxy}: the API server's kubelet client identity. */
export type PodStreamProxyOptions = PodLogProxyOptions;

/** Request headers of a WebSocket upgrade handed to the kubelet as they are. */
const PASSED_HEADERS = [
  'upgrade',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
] as const;

interface Upgraded {
  res: IncomingMessage;
  socket: Duplex;
  head: Buffer;
}

/** The container the request names, or the pod's only one (400 otherwise). */
function containerOf(pod: Pod, query: Record<string, string>): string {
  const names = pod.spec.containers.map((c) => c.name);
  const container = query.container ?? (names.length === 1 ? names[0] : undefined);
  // init and ephemeral containers (kubectl debug, then attach -c) are named explicitly
  if (container === undefined) {
    throw new BadRequestError(
      `a container name must be specified for pod ${pod.metadata.name ?? ''}, choose one of: [${names.join(' ')}]`,
    );
  }
  if (!podContainerNames(pod).includes(container)) {
    throw new BadRequestError(
      `container ${container} is not valid for pod ${pod.metadata.name ?? ''}`,
    );
  }
  return container;
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

/**
 * The handler of one streaming subresource of pods on a member API server whose kubelets serve
 * their HTTPS API. Only upgrade requests are served (400 "Upgrade request required" otherwise);
 * a WebSocket upgrade is proxied as it is, so the kubelet negotiates the subprotocol with the
 * client (`v5.channel.k8s.io`, `v4.channel.k8s.io`). SPDY, which kubectl only falls back to, is
 * refused with 400. Errors: an unbound pod or an unknown container 400, an unreachable kubelet
 * 503, the kubelet's own refusals as their Status. Register:
 * `server.registerSubresource(podType, 'exec', podStreamProxy('exec', { clientCert, ca }))`.
 */
export function podStreamProxy(
  kind: PodStreamKind,
  opts: PodStreamProxyOptions,
): SubresourceHandler {
  const nodes = nodeType as unknown as ResourceType;
  return async (req) => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      throw new BadRequestError(`pods/${kind} only supports GET and POST`);
    }
    const pod = (await req.registry.get(req.rt, req.namespace, req.name)) as Pod;
    const nodeName = pod.spec.nodeName;
    if (!nodeName) {
      throw new BadRequestError(`pod ${req.name} is not running on a node of this cluster yet`);
    }
    const container = kind === 'portforward' ? undefined : containerOf(pod, req.query);
    if (kind === 'exec' && !new URLSearchParams(req.ctx.querystring).has('command')) {
      throw new BadRequestError('you must specify at least 1 command');
    }
    const upgrade = req.ctx.get('upgrade');
    if (upgrade === '') throw new BadRequestError('Upgrade request required');
    if (upgrade.toLowerCase() !== 'websocket') {
      throw new BadRequestError(
        `streaming over ${upgrade} is not supported by this API server: use a client that speaks WebSockets (kubectl 1.30 or later)`,
      );
    }
    const node = (await req.registry.get(nodes, undefined, nodeName).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw unavailable(`node "${nodeName}" not found`, err);
      throw err;
    })) as Node;
    const addr = kubeletAddress(node);
    if (!addr) throw unavailable(`node "${nodeName}" reports no kubelet API endpoint`);
    const segments =
      kind === 'portforward'
        ? ['portForward', req.namespace ?? 'default', req.name]
        : [kind, req.namespace ?? 'default', req.name, container ?? ''];
    const path = `/${segments.map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/')}`;
    const query = req.ctx.querystring;
    const headers: Record<string, string> = { connection: 'Upgrade' };
    for (const h of PASSED_HEADERS) {
      const v = req.ctx.get(h);
      if (v !== '') headers[h] = v;
    }
    const where = `${addr.host}:${String(addr.port)}`;
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const up = await new Promise<Upgraded>((resolve, reject) => {
      const r = request({
        host: addr.host,
        port: addr.port,
        path: `${path}${query !== '' ? `?${query}` : ''}`,
        method: 'GET',
        headers,
        cert: opts.clientCert.cert,
        key: opts.clientCert.key,
        ca: opts.ca,
        agent: false,
      });
      r.setTimeout(timeoutMs, () => {
        r.destroy(new Error(`no response within ${String(timeoutMs)} ms`));
      });
      r.on('upgrade', (res, socket, head) => {
        r.setTimeout(0);
        resolve({ res, socket, head });
      });
      r.on('response', (res) => {
        r.setTimeout(0);
        void readAll(res).then((text) => {
          const code = res.statusCode ?? 502;
          let status: Partial<Status> = { message: text };
          try {
            status = JSON.parse(text) as Partial<Status>;
          } catch {
            // not a Status: the text is the message
          }
          if (code === 401 || code === 403) {
            reject(
              unavailable(
                `the kubelet of node "${nodeName}" refused the API server: ${status.message ?? ''}`,
              ),
            );
            return;
          }
          reject(errorFromStatus(status, code));
        }, reject);
      });
      r.on('error', (err) => {
        reject(
          unavailable(
            `error trying to reach the kubelet of node "${nodeName}" (${where}): ${err.message}`,
            err,
          ),
        );
      });
      r.end();
    });
    const client = req.ctx.req.socket as Duplex;
    if (client.destroyed) {
      up.socket.destroy();
      return undefined;
    }
    // the kubelet's 101, with its subprotocol and accept key, goes to the client as it is
    req.ctx.respond = false;
    req.ctx.status = 101;
    const lines = ['HTTP/1.1 101 Switching Protocols'];
    const raw = up.res.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) lines.push(`${raw[i] ?? ''}: ${raw[i + 1] ?? ''}`);
    client.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (up.head.length > 0) client.write(up.head);
    splice(client, up.socket);
    return undefined;
  };
}
