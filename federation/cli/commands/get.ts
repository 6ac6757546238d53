/** `flotilla get`: list or show any served resource; clusters and workloads get dedicated columns. */
import {
  CLUSTERS,
  RESOURCE_BINDINGS,
  type Cluster,
  type ResourceBinding,
} from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { stringFlag, type CliCommand, type CommandContext } from '../cli-context.js';
import { parseClusterList, type ClusterProxyClient } from '../cluster-proxy-client.js';
import { UsageError } from '../errors/index.js';
import {
  age,
  mergeClusterTables,
  printObject,
  printTable,
  type ClusterTable,
  type KubeTable,
} from '../printers/index.js';
import { ResourceResolver, type ResolvedResource } from '../resource-resolver.js';
import {
  annotated,
  clusterNameLine,
  eachCluster,
  memberObjects,
  readMember,
  selectorQuery,
  TABLE_ACCEPT,
} from './across-clusters.js';

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

/** `k=v,k2=v2` of an object's labels, `<none>` without any. */
function labelsOf(o: KubeObject): string {
  const labels = Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  return labels.length > 0 ? labels.join(',') : '<none>';
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

/**
 * Rows of `get <workload>`: READY (when it has replicas) and CLUSTERS (when namespaced); `wide`
 * adds LABELS.
 */
export function objectRows(
  r: ResolvedResource,
  items: KubeObject[],
  bindings: ResourceBinding[],
  showNamespace: boolean,
  now: number = Date.now(),
  wide = false,
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
    ...(wide ? ['labels'] : []),
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
      ...(wide ? [labelsOf(o)] : []),
    ];
  });
  return { headers, rows };
}

/** The tables members printed for `names` (one Table each) or for the selected list. */
async function memberTables(
  ctx: CommandContext,
  proxy: ClusterProxyClient,
  path: string,
  names: readonly string[],
): Promise<KubeTable> {
  if (names.length === 0) return proxy.getJson<KubeTable>(path, selectorQuery(ctx), TABLE_ACCEPT);
  const tables = await Promise.all(
    names.map((n) =>
      proxy.getJson<KubeTable>(`${path}/${encodeURIComponent(n)}`, undefined, TABLE_ACCEPT),
    ),
  );
  return {
    ...(tables[0]?.columnDefinitions ? { columnDefinitions: tables[0].columnDefinitions } : {}),
    rows: tables.flatMap((t) => t.rows ?? []),
  };
}

/**
 * `get --clusters m1,m2`: reads every member through the cluster proxy and prints one table with a
 * CLUSTER column first (the members' own server-side columns), or the objects as YAML/JSON (each
 * annotated with its cluster) or names (`<cluster>/<kind>/<name>`). 1 when any member failed.
 */
async function runAcross(
  ctx: CommandContext,
  clusters: string[],
  what: string,
  names: string[],
): Promise<number> {
  const out = ctx.global.output ?? 'table';
  const tabular = out === 'table' || out === 'wide';
  const { answers, failed } = await eachCluster(ctx, clusters, (proxy) =>
    readMember(ctx, proxy, what, async (path) =>
      tabular
        ? { table: await memberTables(ctx, proxy, path, names), objects: [] }
        : { table: undefined, objects: await memberObjects(ctx, proxy, path, names) },
    ),
  );
  const code = failed > 0 ? 1 : 0;
  if (out === 'yaml' || out === 'json') {
    const items = answers.flatMap((a) => a.value.value.objects.map((o) => annotated(a.cluster, o)));
    const single = names.length === 1 && clusters.length === 1 ? items[0] : undefined;
    if (answers.length > 0) {
      ctx.io.stdout(
        printObject(single ?? { apiVersion: 'v1', kind: 'List', metadata: {}, items }, out),
      );
    }
    return code;
  }
  if (out === 'name') {
    for (const a of answers) {
      for (const o of a.value.value.objects) {
        ctx.io.stdout(clusterNameLine(a.cluster, a.value.resource.kind, o));
      }
    }
    return code;
  }
  const tables: ClusterTable[] = answers.flatMap((a) =>
    a.value.value.table ? [{ cluster: a.cluster, table: a.value.value.table }] : [],
  );
  const first = answers[0]?.value;
  const t = mergeClusterTables(tables, {
    wide: out === 'wide',
    namespace: first?.allNamespaces === true,
  });
  if (t.rows.length === 0) {
    if (answers.length > 0) {
      const ns = first?.namespace;
      ctx.io.stderr(`No resources found${ns !== undefined ? ` in ${ns} namespace` : ''}.\n`);
    }
    return code;
  }
  ctx.io.stdout(printTable(t.headers, t.rows));
  return code;
}

async function run(ctx: CommandContext): Promise<number> {
  const [what, ...names] = ctx.args;
  if (!what) throw new UsageError('get needs a resource type, e.g. flotilla get clusters');
  const clusters = stringFlag(ctx.flags, 'clusters');
  if (clusters !== undefined) return runAcross(ctx, parseClusterList(clusters), what, names);
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
  const t = objectRows(r, items, bindings, allNs, Date.now(), out === 'wide');
  ctx.io.stdout(printTable(t.headers, t.rows));
  return 0;
}

/**
 * `flotilla get RESOURCE [NAME...] [--clusters M1,M2] [-l SELECTOR] [-o table|wide|yaml|json|name]
 * [-n NS | -A]`
 */
export const getCommand: CliCommand = {
  name: 'get',
  summary: 'List or show resources (clusters, deployments, ...; --clusters: in member clusters)',
  usage:
    'flotilla get RESOURCE [NAME...] [-l SELECTOR] [-o table|wide|yaml|json|name] [-n NS | -A]\n' +
    '       flotilla get RESOURCE [NAME...] --clusters M1,M2 [-l SELECTOR] [-o ...] [-n NS | -A]\n' +
    '         (reads the members through the federation cluster proxy; CLUSTER column first)',
  options: { selector: { type: 'string', short: 'l' }, clusters: { type: 'string' } },
  run,
};
