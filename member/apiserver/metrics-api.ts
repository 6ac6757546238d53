/**
 * `metrics.k8s.io/v1beta1` as metrics-server serves it, inside the member API server: NodeMetrics
 * and PodMetrics computed at request time from the kubelets' Summary API
 * (`GET https://<InternalIP>:<kubelet port>/stats/summary`), for `kubectl top nodes|pods`.
 */
import { Agent, request } from 'node:https';
import type { ApiServer } from '../../machinery/apiserver/index.js';
import type { ReadOnlyResourceRequest } from '../../machinery/apiserver/read-only-resource.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { nodeType, podType, type Node, type Pod } from '../../api/index.js';
import type { StatsSummary } from '../kubelet/stats-summary.js';
import { kubeletAddress, readAll, type PodLogProxyOptions } from './pod-log-proxy.js';

/** The API group and version. */
export const METRICS_GROUP_VERSION = 'metrics.k8s.io/v1beta1';

/** `nodes.metrics.k8s.io` (NodeMetrics). */
export const nodeMetricsType: ResourceType = {
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  kind: 'NodeMetrics',
  plural: 'nodes',
  singular: '',
  namespaced: false,
};

/** `pods.metrics.k8s.io` (PodMetrics). */
export const podMetricsType: ResourceType = {
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  kind: 'PodMetrics',
  plural: 'pods',
  singular: '',
  namespaced: true,
};

/** The window metrics-server reports (its scrape interval). */
const WINDOW = '10s';

/** CPU and memory as Kubernetes quantities (`12345n`, `2048Ki`). */
export function usage(cpuNanoCores: number, memoryBytes: number): { cpu: string; memory: string } {
  return {
    cpu: `${String(Math.round(cpuNanoCores))}n`,
    memory: `${String(Math.round(memoryBytes / 1024))}Ki`,
  };
}

/** Reads one kubelet's Summary API. */
export type SummaryReader = (node: Node) => Promise<StatsSummary>;

/** A Summary reader over HTTPS with the API server's kubelet-client certificate. */
export function kubeletSummaryReader(opts: PodLogProxyOptions): SummaryReader {
  const agent = new Agent({
    keepAlive: true,
    cert: opts.clientCert.cert,
    key: opts.clientCert.key,
    ca: opts.ca,
  });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return (node) =>
    new Promise<StatsSummary>((resolve, reject) => {
      const addr = kubeletAddress(node);
      if (!addr) {
        reject(new Error(`node "${node.metadata.name}" reports no kubelet API endpoint`));
        return;
      }
      const r = request(
        { host: addr.host, port: addr.port, path: '/stats/summary', method: 'GET', agent },
        (res) => {
          readAll(res).then((text) => {
            if ((res.statusCode ?? 500) >= 300) {
              reject(new Error(`kubelet of ${node.metadata.name}: ${String(res.statusCode)}`));
              return;
            }
            resolve(JSON.parse(text) as StatsSummary);
          }, reject);
        },
      );
      r.setTimeout(timeoutMs, () =>
        r.destroy(new Error(`no answer within ${String(timeoutMs)} ms`)),
      );
      r.on('error', reject);
      r.end();
    });
}

function listOptions(q: Record<string, string>): {
  labelSelector?: string;
  fieldSelector?: string;
} {
  return {
    ...(q.labelSelector !== undefined ? { labelSelector: q.labelSelector } : {}),
    ...(q.fieldSelector !== undefined ? { fieldSelector: q.fieldSelector } : {}),
  };
}

/** The summaries of `nodes`; unreachable kubelets are left out, as metrics-server leaves them. */
async function summaries(nodes: Node[], read: SummaryReader): Promise<Map<string, StatsSummary>> {
  const out = new Map<string, StatsSummary>();
  const got = await Promise.allSettled(nodes.map((n) => read(n)));
  got.forEach((r, i) => {
    const name = nodes[i]?.metadata.name;
    if (r.status === 'fulfilled' && name !== undefined) out.set(name, r.value);
  });
  return out;
}

function list(kind: string, items: KubeObject[]): unknown {
  return { apiVersion: METRICS_GROUP_VERSION, kind: `${kind}List`, metadata: {}, items };
}

async function nodeMetrics(req: ReadOnlyResourceRequest, read: SummaryReader): Promise<unknown> {
  const nodes =
    req.name !== undefined
      ? [(await req.registry.get(nodeType, undefined, req.name)) as Node]
      : ((await req.registry.list(nodeType, undefined, listOptions(req.query))).items as Node[]);
  const got = await summaries(nodes, read);
  const items: KubeObject[] = [];
  for (const n of nodes) {
    const s = got.get(n.metadata.name ?? '');
    if (!s) continue;
    items.push({
      apiVersion: METRICS_GROUP_VERSION,
      kind: 'NodeMetrics',
      metadata: {
        name: n.metadata.name,
        creationTimestamp: new Date().toISOString(),
        ...(n.metadata.labels ? { labels: n.metadata.labels } : {}),
      },
      timestamp: s.node.cpu.time,
      window: WINDOW,
      usage: usage(s.node.cpu.usageNanoCores, s.node.memory.workingSetBytes),
    } as KubeObject);
  }
  if (req.name !== undefined) {
    const one = items[0];
    if (!one) throw new NotFoundError(`nodemetrics.metrics.k8s.io "${req.name}" not found`);
    return one;
  }
  return list('NodeMetrics', items);
}

async function podMetrics(req: ReadOnlyResourceRequest, read: SummaryReader): Promise<unknown> {
  const pods =
    req.name !== undefined
      ? [
          (await req.registry.get(
            podType as unknown as ResourceType,
            req.namespace,
            req.name,
          )) as Pod,
        ]
      : ((
          await req.registry.list(
            podType as unknown as ResourceType,
            req.namespace,
            listOptions(req.query),
          )
        ).items as Pod[]);
  const wanted = new Set<string>();
  for (const p of pods) if (p.spec.nodeName) wanted.add(p.spec.nodeName);
  const nodes: Node[] = [];
  for (const name of wanted) {
    const n = await req.registry
      .get(nodeType as unknown as ResourceType, undefined, name)
      .catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
    if (n) nodes.push(n);
  }
  const got = await summaries(nodes, read);
  const byUid = new Map<string, StatsSummary['pods'][number]>();
  for (const s of got.values()) for (const p of s.pods) byUid.set(p.podRef.uid, p);
  const items: KubeObject[] = [];
  for (const p of pods) {
    const s = byUid.get(p.metadata.uid ?? '');
    if (!s) continue;
    items.push({
      apiVersion: METRICS_GROUP_VERSION,
      kind: 'PodMetrics',
      metadata: {
        name: p.metadata.name,
        namespace: p.metadata.namespace ?? 'default',
        creationTimestamp: new Date().toISOString(),
        ...(p.metadata.labels ? { labels: p.metadata.labels } : {}),
      },
      timestamp: s.cpu.time,
      window: WINDOW,
      containers: s.containers.map((c) => ({
        name: c.name,
        usage: usage(c.cpu.usageNanoCores, c.memory.workingSetBytes),
      })),
    } as KubeObject);
  }
  if (req.name !== undefined) {
    const one = items[0];
    if (!one) throw new NotFoundError(`podmetrics.metrics.k8s.io "${req.name}" not found`);
    return one;
  }
  return list('PodMetrics', items);
}

/**
 * Serves `nodes` and `pods` of `metrics.k8s.io/v1beta1` on `server` (get, list, with discovery),
 * reading each kubelet's `/stats/summary` as `kube-apiserver-kubelet-client`. RBAC decides as for
 * any resource (`get`/`list` on `nodes`/`pods` in group `metrics.k8s.io`).
 */
export function installMetricsApi(server: ApiServer, read: SummaryReader): void {
  server.registerReadOnlyResource(nodeMetricsType, (req) => nodeMetrics(req, read));
  server.registerReadOnlyResource(podMetricsType, (req) => podMetrics(req, read));
}
