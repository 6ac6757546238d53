/** `flotilla get`: list or show any served resource; clusters and workloads get dedicated columns. */
import {
  CLUSTERS,
  RESOURCE_BINDINGS,
  type Cluster,
  type ResourceBinding,
} from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { stringFlag, type CliCommand, type CommandContext } from '../cli-context.js';
import { UsageError } from '../errors/index.js';
import { age, printObject, printTable } from '../printers/index.js';
import { ResourceResolver, type ResolvedResource } from '../resource-resolver.js';

/** READY column of a Cluster from its Ready condition: True, False, Offline or Unknown. */
export function clusterReady(c: Cluster): string {
  const r = c.status?.conditions?.find((x) => x.type === 'Ready');
  if (!r) return 'Unknown';
  return r.status === 'True' ? 'True' : r.reason === 'ClusterOffline' ? 'Offline' : 'False';
}

/** Rows of `get clusters`. */
export function clusterRows(
  items: Cluster[],
  wide: boolean,
  now: number = Date.now(),
): { headers: string[]; rows: string[][] } {
  const headers = [
    'name',
    'ready',
    'region',
    'zone',
    'endpoint',
    'version',
    'age',
    ...(wide ? ['labels'] : []),
  ];
  const rows = items.map((c) => [
    c.metadata.name ?? '',
    clusterReady(c),
    c.spec.region ?? '',
    c.spec.zone ?? '',
    c.spec.apiEndpoint,
    c.status?.kubernetesVersion ?? '',
    age(c.metadata.creationTimestamp, now),
    ...(wide
      ? [
          Object.entries(c.metadata.labels ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
        ]
      : []),
  ]);
  return { headers, rows };
}

/** The binding of a template object, if it was propagated. */
export function bindingOf(
  bindings: ResourceBinding[],
  kind: string,
  o: KubeObject,
): ResourceBinding | undefined {
  return bindings.find(
    (b) =>
      b.spec.resource.kind === kind &&
      b.spec.resource.name === o.metadata.name &&
      (b.spec.resource.namespace ?? o.metadata.namespace) === o.metadata.namespace,
  );
}

/** Rows of `get <workload>`: READY (when it has replicas) and CLUSTERS (when namespaced). */
export function objectRows(
  r: ResolvedResource,
  items: KubeObject[],
  bindings: ResourceBinding[],
  showNamespace: boolean,
  now: number = Date.now(),
): { headers: string[]; rows: string[][] } {
  const hasReplicas = items.some(
    (o) => typeof (o.spec as { replicas?: unknown } | undefined)?.replicas === 'number',
  );
  const headers = [
    ...(showNamespace ? ['namespace'] : []),
    'name',
    ...(hasReplicas ? ['ready'] : []),
    ...(r.namespaced ? ['clusters'] : []),
    'age',
  ];
  const rows = items.map((o) => {
    const b = bindingOf(bindings, r.kind, o);
    const clusters =
      b && b.spec.clusters.length > 0
        ? b.spec.clusters
            .map((c) => (c.replicas !== undefined ? `${c.name}(${String(c.replicas)})` : c.name))
            .join(',')
        : '<none>';
    const replicas = (o.spec as { replicas?: number } | undefined)?.replicas;
    const ready =
      replicas !== undefined
        ? `${String((o.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0)}/${String(replicas)}`
        : '';
    return [
      ...(showNamespace ? [o.metadata.namespace ?? ''] : []),
      o.metadata.name ?? '',
      ...(hasReplicas ? [ready] : []),
      ...(r.namespaced ? [clusters] : []),
      age(o.metadata.creationTimestamp, now),
    ];
  });
  return { headers, rows };
}

async function run(ctx: CommandContext): Promise<number> {
  const [what, ...names] = ctx.args;
  if (!what) throw new UsageError('get needs a resource type, e.g. flotilla get clusters');
  const client = ctx.client();
  const r = await new ResourceResolver(client).resolve(what);
  const allNs = ctx.global.allNamespaces === true && r.namespaced;
  const ns = r.namespaced && !allNs ? ctx.namespace : undefined;
  const rc = client.resource(r.gvr, ns);
  const sel = stringFlag(ctx.flags, 'selector');
  const items: KubeObject[] =
    names.length > 0
      ? await Promise.all(names.map((n) => rc.get(n)))
      : (await rc.list(sel ? { labelSelector: sel } : {})).items;
  const out = ctx.global.output ?? 'table';
  if (out === 'yaml' || out === 'json') {
    ctx.io.stdout(
      printObject(
        names.length === 1 ? items[0] : { apiVersion: 'v1', kind: 'List', metadata: {}, items },
        out,
      ),
    );
    return 0;
  }
  if (out === 'name') {
    ctx.io.stdout(items.map((o) => `${r.kind.toLowerCase()}/${o.metadata.name ?? ''}\n`).join(''));
    return 0;
  }
  if (items.length === 0) {
    ctx.io.stderr(`No resources found${ns ? ` in ${ns} namespace` : ''}.\n`);
    return 0;
  }
  if (r.gvr.group === CLUSTERS.group && r.gvr.resource === CLUSTERS.resource) {
    const t = clusterRows(items as Cluster[], out === 'wide');
    ctx.io.stdout(printTable(t.headers, t.rows));
    return 0;
  }
  const bindings = r.namespaced
    ? (await client.resource<ResourceBinding>(RESOURCE_BINDINGS, ns).list()).items
    : [];
  const t = objectRows(r, items, bindings, allNs);
  ctx.io.stdout(printTable(t.headers, t.rows));
  return 0;
}

/** `flotilla get RESOURCE [NAME...] [-l SELECTOR] [-o table|wide|yaml|json|name] [-n NS | -A]` */
export const getCommand: CliCommand = {
  name: 'get',
  summary: 'List or show resources (clusters, deployments, propagationpolicies, ...)',
  usage:
    'flotilla get RESOURCE [NAME...] [-l SELECTOR] [-o table|wide|yaml|json|name] [-n NS | -A]',
  options: { selector: { type: 'string', short: 'l' } },
  run,
};
