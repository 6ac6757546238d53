/**
 * `flotilla top clusters`: requested vs allocatable CPU, memory and pods of every member, from the
 * `status.resourceSummary` the cluster health controller (Push) or the agent (Pull) keeps.
 * `top nodes|pods` show live usage from the members' metrics.k8s.io (see top-members.ts).
 */
import { CLUSTERS, type Cluster } from '../../apis/index.js';
import { parseQuantity } from '../../controllers/cluster/resource-summary.js';
import type { CliCommand, CommandContext } from '../cli-context.js';
import { UsageError } from '../errors/index.js';
import { printObject, printTable } from '../printers/index.js';
import { clusterReady } from './get.js';
import { topMembers } from './top-members.js';

/** Requested against allocatable of one resource; numbers undefined when the status lacks them. */
export interface Usage {
  requested: number | undefined;
  allocatable: number | undefined;
  /** Requested as a whole percentage of allocatable. */
  percent: number | undefined;
}

/** What `top clusters` shows of one cluster (also its `-o json|yaml` item). */
export interface ClusterUsage {
  name: string;
  ready: string;
  nodes: number | undefined;
  cpu: Usage;
  memory: Usage;
  pods: Usage;
  region?: string;
  zone?: string;
  syncMode: string;
}

function usage(requested: number | undefined, allocatable: number | undefined): Usage {
  return {
    requested,
    allocatable,
    percent:
      requested !== undefined && allocatable !== undefined && allocatable > 0
        ? Math.round((requested * 100) / allocatable)
        : undefined,
  };
}

/** The usage of one Cluster from its status (cpu in cores, memory in bytes). */
export function clusterUsage(c: Cluster): ClusterUsage {
  const s = c.status?.resourceSummary;
  return {
    name: c.metadata.name ?? '',
    ready: clusterReady(c),
    nodes: s?.readyNodes,
    cpu: usage(parseQuantity(s?.allocated?.cpu), parseQuantity(s?.allocatable?.cpu)),
    memory: usage(parseQuantity(s?.allocated?.memory), parseQuantity(s?.allocatable?.memory)),
    pods: usage(s?.allocatedPods, s?.allocatablePods),
    ...(c.spec.region ? { region: c.spec.region } : {}),
    ...(c.spec.zone ? { zone: c.spec.zone } : {}),
    syncMode: c.spec.syncMode ?? 'Push',
  };
}

const UNKNOWN = '<unknown>';

/** Cores as kubectl top prints them: millicores below 10 cores ("1500m"), else whole cores. */
export function humanCpu(cores: number | undefined): string {
  if (cores === undefined) return UNKNOWN;
  const m = Math.round(cores * 1000);
  return m % 1000 === 0 ? String(m / 1000) : `${String(m)}m`;
}

/** Bytes in Mi below 1 Gi, else Gi with at most one decimal ("512Mi", "7.5Gi"). */
export function humanBytes(bytes: number | undefined): string {
  if (bytes === undefined) return UNKNOWN;
  if (bytes === 0) return '0';
  const gi = bytes / 1024 ** 3;
  if (gi >= 1) return `${String(Math.round(gi * 10) / 10)}Gi`;
  return `${String(Math.round(bytes / 1024 ** 2))}Mi`;
}

const pct = (u: Usage): string => (u.percent === undefined ? UNKNOWN : `${String(u.percent)}%`);
const pair = (u: Usage, f: (n: number | undefined) => string): string =>
  u.requested === undefined && u.allocatable === undefined
    ? UNKNOWN
    : `${f(u.requested)}/${f(u.allocatable)}`;

/** Rows of `top clusters` (wide adds pods %, mode, region and zone). */
export function topClusterRows(
  items: ClusterUsage[],
  wide: boolean,
): { headers: string[]; rows: string[][] } {
  const headers = [
    'name',
    'ready',
    'nodes',
    'cpu(requested/allocatable)',
    'cpu%',
    'memory(requested/allocatable)',
    'memory%',
    'pods',
    ...(wide ? ['pods%', 'mode', 'region', 'zone'] : []),
  ];
  const rows = items.map((u) => [
    u.name,
    u.ready,
    u.nodes === undefined ? UNKNOWN : String(u.nodes),
    pair(u.cpu, humanCpu),
    pct(u.cpu),
    pair(u.memory, humanBytes),
    pct(u.memory),
    pair(u.pods, (n) => (n === undefined ? UNKNOWN : String(n))),
    ...(wide ? [pct(u.pods), u.syncMode, u.region ?? '', u.zone ?? ''] : []),
  ]);
  return { headers, rows };
}

async function topClusters(ctx: CommandContext, names: string[]): Promise<number> {
  const rc = ctx.client().resource<Cluster>(CLUSTERS);
  const clusters =
    names.length > 0
      ? await Promise.all(names.map((n) => rc.get(n)))
      : (await rc.list()).items.sort((a, b) =>
          (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
        );
  const items = clusters.map(clusterUsage);
  const out = ctx.global.output ?? 'table';
  if (out === 'yaml' || out === 'json') {
    // through JSON so unknown (undefined) numbers are left out of YAML too
    const list: unknown = JSON.parse(JSON.stringify({ kind: 'ClusterUsageList', items }));
    ctx.io.stdout(printObject(list, out));
  } else if (out === 'name') {
    ctx.io.stdout(items.map((u) => `cluster/${u.name}\n`).join(''));
  } else if (items.length === 0) {
    ctx.io.stderr('No resources found.\n');
  } else {
    const t = topClusterRows(items, out === 'wide');
    ctx.io.stdout(printTable(t.headers, t.rows));
  }
  return 0;
}

async function run(ctx: CommandContext): Promise<number> {
  const [what, ...names] = ctx.args;
  switch (what) {
    case 'clusters':
    case 'cluster':
      return topClusters(ctx, names);
    case 'nodes':
    case 'node':
    case 'pods':
    case 'pod':
      if (names.length > 0) {
        throw new UsageError(`top ${what} takes no names; choose members with --clusters m1,m2`);
      }
      return topMembers(ctx, what.startsWith('node') ? 'nodes' : 'pods');
    case undefined:
      throw new UsageError('top needs a resource: flotilla top clusters|nodes|pods');
    default:
      throw new UsageError(`top supports clusters, nodes and pods, not "${what}"`);
  }
}

/** `flotilla top clusters [NAME...] | nodes | pods [--clusters m1,m2]` */
export const topCommand: CliCommand = {
  name: 'top',
  summary: 'Show cluster capacity (clusters) or live node/pod usage across members',
  usage:
    'flotilla top clusters [NAME...] [-o wide|yaml|json|name]\n       flotilla top nodes|pods [--clusters m1,m2] [-n NS | -A] [-o yaml|json|name]',
  options: { clusters: { type: 'string' } },
  run,
};
