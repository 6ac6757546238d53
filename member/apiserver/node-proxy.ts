/**
 * `nodes/proxy` as kube-apiserver serves it, for reads: `GET /api/v1/nodes/<node>/proxy/<path>`
 * reaches `GET https://<InternalIP>:<kubelet port>/<path>` as `kube-apiserver-kubelet-client`
 * (RBAC `get` on `nodes/proxy` first), e.g. the kubelet's `/metrics` and `/stats/summary`.
 */
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import type { SubresourceHandler } from '../../machinery/apiserver/index.js';
import { MethodNotSupportedError, NotFoundError } from '../../machinery/errors/index.js';
import type { Node } from '../../api/index.js';
import { kubeletAddress, unavailable, type PodLogProxyOptions } from './pod-log-proxy.js';

/**
 * The nodes/proxy handler: GET only (405 otherwise); an unknown node is 404, a node without a
 * kubelet endpoint or an unreachable kubelet 503. The kubelet's answer (status, content type and
 * body) is passed back as it is. Register: `server.registerSubresource(nodeType, 'proxy', ...)`.
 */
export function nodeProxy(opts: PodLogProxyOptions): SubresourceHandler {
  const agent = new Agent({
    keepAlive: true,
    cert: opts.clientCert.cert,
    key: opts.clientCert.key,
    ca: opts.ca,
  });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return async (req) => {
    if (req.method !== 'GET') {
      throw new MethodNotSupportedError(`nodes/proxy only supports GET here, not ${req.method}`);
    }
    const node = (await req.registry.get(req.rt, undefined, req.name)) as Node;
    const addr = kubeletAddress(node);
    if (!addr) throw unavailable(`node "${req.name}" reports no kubelet API endpoint`);
    const search = new URLSearchParams(req.query).toString();
    const path = `${req.proxyPath ?? '/'}${search !== '' ? `?${search}` : ''}`;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = request({ host: addr.host, port: addr.port, path, method: 'GET', agent }, (m) => {
        r.setTimeout(0);
        resolve(m);
      });
      r.setTimeout(timeoutMs, () => {
        r.destroy(new Error(`no response within ${String(timeoutMs)} ms`));
      });
      r.on('error', (err) => {
        reject(
          unavailable(
            `error trying to reach the kubelet of node "${req.name}" (${addr.host}:${String(addr.port)}): ${err.message}`,
            err,
          ),
        );
      });
      r.end();
    });
    if (res.statusCode === 404) {
      res.resume();
      throw new NotFoundError(`the kubelet of node "${req.name}" has no ${req.proxyPath ?? '/'}`);
    }
    req.ctx.status = res.statusCode ?? 502;
    req.ctx.type = res.headers['content-type'] ?? 'application/octet-stream';
    req.ctx.body = res;
    return undefined;
  };
}
