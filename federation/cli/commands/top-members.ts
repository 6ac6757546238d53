/**
 * `flotilla top nodes|pods [--clusters m1,m2]`: live usage from each member's metrics.k8s.io API,
 * read through the federation's cluster proxy (kubectl top with a CLUSTER column). A member that
 * fails (no metrics API, unreachable) is reported on stderr and the others are still shown.
 */
import { CLUSTERS, type Cluster } from '../../apis/index.js';
import { parseQuantity } from '../../controllers/cluster/resource-summary.js';
import type { KubeList, KubeObject } from '../../../machinery/meta.js';
import { stringFlag, type CommandContext } from '../cli-context.js';
import { parseClusterList, type ClusterProxyClient } from '../cluster-proxy-client.js';
import { printObject, printTable } from '../printers/index.js';
import { eachCluster } from './across-clusters.js';

/** Usage of one node or pod in one cluster (cpu in cores, memory in bytes). */
export interface MemberUsage {
  cluster: string;
  namespace?: string;
  name: string;
  cpu: number;
  memory: number;
  /** Requested as a whole percentage of the node's allocatable (nodes only). */
  cpuPercent?: number;
  memoryPercent?: number;
}

type Usage = Record<string, string>;
type NodeMetrics = KubeObject & { usage?: Usage };
type PodMetrics = KubeObject & { containers?: { name: string; usage?: Usage }[] };
type Node = KubeObject & { status?: { allocatable?: Record<string, string> } };

const METRICS = '/apis/metrics.k8s.io/v1beta1';

const percent = (used: number, of: number | undefined): number | undefined =>
  of !== undefined && of > 0 ? Math.round((used * 100) / of) : undefined;

/** Node rows of one member from its NodeMetrics and Nodes. */
export function nodeUsages(cluster: string, metrics: NodeMetrics[], nodes: Node[]): MemberUsage[] {
  return metrics.map((m) => {
    const n = nodes.find((x) => x.metadata.name === m.metadata.name);
    const cpu = parseQuantity(m.usage?.cpu) ?? 0;
    const memory = parseQuantity(m.usage?.memory) ?? 0;
    const cpuPercent = percent(cpu, parseQuantity(n?.status?.allocatable?.cpu));
    const memoryPercent = percent(memory, parseQuantity(n?.status?.allocatable?.memory));
    return {
      cluster,
      name: m.metadata.name ?? '',
      cpu,
      memory,
      ...(cpuPercent !== undefined ? { cpuPercent } : {}),
      ...(memoryPercent !== undefined ? { memoryPercent } : {}),
    };
  });
}

/** Pod rows of one member: the sum of their containers' usage. */
export function podUsages(cluster: string, metrics: PodMetrics[]): MemberUsage[] {
  return metrics.map((m) => {
    const sum = (k: string): number =>
      (m.containers ?? []).reduce((t, c) => t + (parseQuantity(c.usage?.[k]) ?? 0), 0);
    return {
      cluster,
      ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}),
      name: m.metadata.name ?? '',
      cpu: sum('cpu'),
      memory: sum('memory'),
    };
  });
}

/** Cores as kubectl top prints them: millicores ("12m"). */
const cores = (c: number): string => `${String(Math.round(c * 1000))}m`;
/** Bytes as kubectl top prints them: Mi ("123Mi"). */
const mebibytes = (b: number): string => `${String(Math.round(b / 1024 ** 2))}Mi`;
const pct = (p: number | undefined): string => (p === undefined ? '<unknown>' : `${String(p)}%`);

/** Table of `top nodes` or `top pods` (with NAMESPACE for `pods -A`). */
export function memberUsageRows(
  what: 'nodes' | 'pods',
  items: MemberUsage[],
  showNamespace: boolean,
): { headers: string[]; rows: string[][] } {
  if (what === 'nodes') {
    return {
      headers: ['cluster', 'name', 'cpu(cores)', 'cpu%', 'memory(bytes)', 'memory%'],
      rows: items.map((u) => [
        u.cluster,
        u.name,
        cores(u.cpu),
        pct(u.cpuPercent),
        mebibytes(u.memory),
        pct(u.memoryPercent),
      ]),
    };
  }
  return {
    headers: [
      'cluster',
      ...(showNamespace ? ['namespace'] : []),
      'name',
      'cpu(cores)',
      'memory(bytes)',
    ],
    rows: items.map((u) => [
      u.cluster,
      ...(showNamespace ? [u.namespace ?? ''] : []),
      u.name,
      cores(u.cpu),
      mebibytes(u.memory),
    ]),
  };
}

async function read(
  ctx: CommandContext,
  what: 'nodes' | 'pods',
  proxy: ClusterProxyClient,
): Promise<MemberUsage[]> {
  if (what === 'nodes') {
    const [metrics, nodes] = await Promise.all([
      proxy.getJson<KubeList<NodeMetrics>>(`${METRICS}/nodes`),
      proxy.getJson<KubeList<Node>>('/api/v1/nodes'),
    ]);
    return nodeUsages(proxy.cluster, metrics.items, nodes.items);
  }
  const path =
    ctx.global.allNamespaces === true
      ? `${METRICS}/pods`
      : `${METRICS}/namespaces/${encodeURIComponent(ctx.namespace)}/pods`;
  return podUsages(proxy.cluster, (await proxy.getJson<KubeList<PodMetrics>>(path)).items);
}

/** `top nodes|pods` across the clusters of `--clusters` (default: every joined cluster). */
export async function topMembers(ctx: CommandContext, what: 'nodes' | 'pods'): Promise<number> {
  const spec = stringFlag(ctx.flags, 'clusters');
  const clusters =
    spec !== undefined
      ? parseClusterList(spec)
      : (await ctx.client().resource<Cluster>(CLUSTERS).list()).items
          .map((c) => c.metadata.name ?? '')
          .sort();
  const { answers, failed } = await eachCluster(ctx, clusters, (p) => read(ctx, what, p));
  const items = answers.flatMap((a) => a.value);
  const out = ctx.global.output ?? 'table';
  if (out === 'yaml' || out === 'json') {
    ctx.io.stdout(printObject({ kind: 'MemberUsageList', items }, out));
  } else if (out === 'name') {
    const kind = what === 'nodes' ? 'node' : 'pod';
    ctx.io.stdout(items.map((u) => `${u.cluster}/${kind}/${u.name}\n`).join(''));
  } else if (items.length > 0) {
    const t = memberUsageRows(what, items, ctx.global.allNamespaces === true);
    ctx.io.stdout(printTable(t.headers, t.rows));
  } else if (failed === 0) {
    ctx.io.stderr('No resources found.\n');
  }
  return failed > 0 ? 1 : 0;
}
