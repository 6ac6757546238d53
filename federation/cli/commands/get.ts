import { CLUSTERS, RESOURCE_BINDINGS, type Cluster, type ResourceBinding } from '../../apis/index.js';
import type { KubeObject } from '../../apis/meta.js';
import type { CommandContext } from '../cli-context.js';
import { UsageError } from '../cli-errors.js';
import { age, formatObject, table } from '../printers.js';
import { ResourceResolver } from '../resource-resolver.js';

function readyColumn(c: Cluster): string {
  const r = c.status?.conditions?.find((x) => x.type === 'Ready');
  if (!r) return 'Unknown';
  return r.status === 'True' ? 'True' : r.reason === 'ClusterOffline' ? 'Offline' : 'False';
}

/** `flotilla get clusters` / `flotilla get RESOURCE [NAME] [-l sel] [-o yaml|json|wide]` */
export async function get(ctx: CommandContext): Promise<number> {
  const what = ctx.args[0];
  if (!what) throw new UsageError('get needs a resource type, e.g. flotilla get clusters');
  const client = ctx.client();
  const r = await new ResourceResolver(client).resolve(what);
  const ns = r.namespaced ? (ctx.global.allNamespaces ? undefined : ctx.namespace) : undefined;
  const rc = client.resource(r.gvr, ns);
  const name = ctx.args[1];
  const sel = typeof ctx.flags.selector === 'string' ? ctx.flags.selector : undefined;
  const items: KubeObject[] = name ? [await rc.get(name)] : (await rc.list(sel ? { labelSelector: sel } : {})).items;
  const out = ctx.global.output ?? '';
  if (out === 'yaml' || out === 'json') {
    ctx.io.stdout(formatObject(name ? items[0] : { apiVersion: 'v1', kind: 'List', items }, out));
    return 0;
  }
  if (out === 'name') {
    ctx.io.stdout(items.map((o) => `${r.gvr.resource}/${o.metadata.name ?? ''}\n`).join(''));
    return 0;
  }
  if (r.gvr.resource === CLUSTERS.resource && r.gvr.group === CLUSTERS.group) {
    const rows = (items as Cluster[]).map((c) => [c.metadata.name ?? '', readyColumn(c), c.spec.region ?? '', c.spec.zone ?? '', c.spec.apiEndpoint, c.status?.kubernetesVersion ?? '', age(c.metadata.creationTimestamp)]);
    ctx.io.stdout(table(['name', 'ready', 'region', 'zone', 'endpoint', 'version', 'age'], rows));
    return 0;
  }
  if (items.length === 0) {
    ctx.io.stderr(`No resources found${ns ? ` in ${ns} namespace` : ''}.\n`);
    return 0;
  }
  const bindings = r.namespaced ? (await client.resource<ResourceBinding>(RESOURCE_BINDINGS, ns).list()).items : [];
  const rows = items.map((o) => {
    const b = bindings.find((x) => x.spec.resource.kind === r.kind && x.spec.resource.name === o.metadata.name && x.spec.resource.namespace === o.metadata.namespace);
    const clusters = b ? b.spec.clusters.map((c) => (c.replicas !== undefined ? `${c.name}(${String(c.replicas)})` : c.name)).join(',') : '<none>';
    const st = o.status as { readyReplicas?: number } | undefined;
    const spec = o.spec as { replicas?: number } | undefined;
    const ready = spec?.replicas !== undefined ? `${String(st?.readyReplicas ?? 0)}/${String(spec.replicas)}` : '';
    return [...(ctx.global.allNamespaces && r.namespaced ? [o.metadata.namespace ?? ''] : []), o.metadata.name ?? '', ready, clusters, age(o.metadata.creationTimestamp)];
  });
  ctx.io.stdout(table([...(ctx.global.allNamespaces && r.namespaced ? ['namespace'] : []), 'name', 'ready', 'clusters', 'age'], rows));
  return 0;
}

/** `flotilla describe RESOURCE NAME`: the template plus per-cluster status from its ResourceBinding. */
export async function describe(ctx: CommandContext): Promise<number> {
  const [what, name] = ctx.args;
  if (!what || !name) throw new UsageError('describe needs a resource type and a name');
  const client = ctx.client();
  const r = await new ResourceResolver(client).resolve(what);
  const ns = r.namespaced ? ctx.namespace : undefined;
  const obj = await client.resource(r.gvr, ns).get(name);
  const lines = [`Name:         ${name}`, ...(ns ? [`Namespace:    ${ns}`] : []), `Kind:         ${r.kind}`, `Created:      ${obj.metadata.creationTimestamp ?? ''}`];
  if (obj.metadata.labels) lines.push(`Labels:       ${Object.entries(obj.metadata.labels).map(([k, v]) => `${k}=${v}`).join(',')}`);
  if (obj.status !== undefined) lines.push(`Status:       ${JSON.stringify(obj.status)}`);
  if (r.namespaced) {
    const b = (await client.resource<ResourceBinding>(RESOURCE_BINDINGS, ns).list()).items.find((x) => x.spec.resource.kind === r.kind && x.spec.resource.name === name);
    if (b) {
      lines.push(`Policy:       ${b.spec.policy?.name ?? '<none>'}`, 'Clusters:');
      const rows = b.spec.clusters.map((c) => {
        const s = b.status?.aggregatedStatus?.find((x) => x.clusterName === c.name);
        const st = s?.status as { readyReplicas?: number; replicas?: number } | undefined;
        return [c.name, c.replicas !== undefined ? String(c.replicas) : '-', st?.readyReplicas !== undefined ? String(st.readyReplicas) : '-', s ? String(s.applied) : 'pending', s?.health ?? 'Unknown', s?.appliedMessage ?? ''];
      });
      lines.push(...table(['cluster', 'replicas', 'ready', 'applied', 'health', 'message'], rows).trimEnd().split('\n').map((l) => `  ${l}`));
    } else {
      lines.push('Clusters:     <not propagated: no matching PropagationPolicy>');
    }
  }
  ctx.io.stdout(`${lines.join('\n')}\n`);
  return 0;
}
