/** `flotilla describe`: one object with its per-cluster status (from its ResourceBinding). */
import { RESOURCE_BINDINGS, type ResourceBinding } from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { dump } from 'js-yaml';
import { stringFlag, type CliCommand, type CommandContext } from '../cli-context.js';
import { parseClusterList } from '../cluster-proxy-client.js';
import { UsageError } from '../errors/index.js';
import { printObject, printTable } from '../printers/index.js';
import { ResourceResolver } from '../resource-resolver.js';
import {
  annotated,
  clusterNameLine,
  eachCluster,
  memberObjects,
  readMember,
} from './across-clusters.js';
import { bindingOf } from './get.js';

const indent = (text: string, by: string): string[] =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `${by}${l}`);

/** The per-cluster section: scheduled replicas, applied, health and the member's reported status. */
export function clusterSection(b: ResourceBinding | undefined): string[] {
  if (!b) return ['Clusters:     <not propagated: no matching PropagationPolicy>'];
  const lines = [
    `Policy:       ${b.spec.policy ? `${b.spec.policy.namespace}/${b.spec.policy.name}` : '<none>'}`,
    'Clusters:',
  ];
  const rows = b.spec.clusters.map((c) => {
    const s = b.status?.aggregatedStatus?.find((x) => x.clusterName === c.name);
    const st = s?.status as { readyReplicas?: number } | undefined;
    return [
      c.name,
      c.replicas !== undefined ? String(c.replicas) : '-',
      st?.readyReplicas !== undefined ? String(st.readyReplicas) : '-',
      s ? String(s.applied) : 'pending',
      s?.health ?? 'Unknown',
      s?.appliedMessage ?? '',
    ];
  });
  if (rows.length === 0) return [...lines, '  <no cluster selected>'];
  return [
    ...lines,
    ...indent(
      printTable(['cluster', 'replicas', 'ready', 'applied', 'health', 'message'], rows),
      '  ',
    ),
  ];
}

/** Renders the header, labels, spec and template status of an object. */
export function describeObject(kind: string, obj: KubeObject): string[] {
  const m = obj.metadata;
  const lines = [
    `Name:         ${m.name ?? ''}`,
    ...(m.namespace ? [`Namespace:    ${m.namespace}`] : []),
    `Kind:         ${kind}`,
    `Created:      ${m.creationTimestamp ?? ''}`,
  ];
  lines.push(
    `Labels:       ${
      Object.entries(m.labels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '<none>'
    }`,
  );
  if (m.deletionTimestamp) {
    lines.push(
      `Deleting:     since ${m.deletionTimestamp} (finalizers: ${(m.finalizers ?? []).join(',')})`,
    );
  }
  const spec = (obj as { spec?: unknown }).spec;
  if (spec !== undefined) lines.push('Spec:', ...indent(dump(spec, { lineWidth: -1 }), '  '));
  if (obj.status !== undefined) {
    lines.push('Status:', ...indent(dump(obj.status, { lineWidth: -1 }), '  '));
  }
  return lines;
}

/**
 * `describe --clusters m1,m2`: the object as each member has it, read through the cluster proxy,
 * one section per cluster (`Cluster:` first); `-o yaml|json|name` as `get --clusters`. 1 when the
 * object could not be read from any one of the members (the others are still printed).
 */
async function runAcross(
  ctx: CommandContext,
  clusters: string[],
  what: string,
  name: string,
): Promise<number> {
  const out = ctx.global.output ?? 'table';
  const { answers, failed } = await eachCluster(ctx, clusters, (proxy) =>
    readMember(ctx, proxy, what, (path) => memberObjects(ctx, proxy, path, [name])),
  );
  const code = failed > 0 ? 1 : 0;
  const found = answers.flatMap((a) =>
    a.value.value.map((o) => ({ cluster: a.cluster, kind: a.value.resource.kind, o })),
  );
  if (out === 'yaml' || out === 'json') {
    const items = found.map((f) => annotated(f.cluster, f.o));
    const one = clusters.length === 1 ? items[0] : undefined;
    if (items.length > 0) {
      ctx.io.stdout(
        printObject(one ?? { apiVersion: 'v1', kind: 'List', metadata: {}, items }, out),
      );
    }
    return code;
  }
  if (out === 'name') {
    for (const f of found) ctx.io.stdout(clusterNameLine(f.cluster, f.kind, f.o));
    return code;
  }
  const sections = found.map((f) =>
    [`Cluster:      ${f.cluster}`, ...describeObject(f.kind, f.o)].join('\n'),
  );
  if (sections.length > 0) ctx.io.stdout(`${sections.join('\n\n')}\n`);
  return code;
}

async function run(ctx: CommandContext): Promise<number> {
  const [what, name] = ctx.args;
  if (!what || !name || ctx.args.length > 2) {
    throw new UsageError('describe needs a resource type and a name');
  }
  const clusters = stringFlag(ctx.flags, 'clusters');
  if (clusters !== undefined) return runAcross(ctx, parseClusterList(clusters), what, name);
  const client = ctx.client();
  const r = await new ResourceResolver(client).resolve(what);
  const ns = r.namespaced ? ctx.namespace : undefined;
  const obj = await client.resource(r.gvr, ns).get(name);
  const out = ctx.global.output;
  if (out === 'yaml' || out === 'json') {
    ctx.io.stdout(printObject(obj, out));
    return 0;
  }
  if (out === 'name') {
    ctx.io.stdout(`${r.kind.toLowerCase()}/${obj.metadata.name ?? ''}\n`);
    return 0;
  }
  const lines = describeObject(r.kind, obj);
  if (r.namespaced) {
    const bindings = (await client.resource<ResourceBinding>(RESOURCE_BINDINGS, ns).list()).items;
    lines.push(...clusterSection(bindingOf(bindings, r.kind, obj)));
  }
  ctx.io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

/** `flotilla describe RESOURCE NAME [--clusters M1,M2] [-n NS] [-o yaml|json|name]` */
export const describeCommand: CliCommand = {
  name: 'describe',
  summary: 'Show one object with its per-cluster status (--clusters: as the members have it)',
  usage:
    'flotilla describe RESOURCE NAME [-n NS] [-o yaml|json|name]\n' +
    '       flotilla describe RESOURCE NAME --clusters M1,M2 [-n NS] [-o yaml|json|name]',
  options: { clusters: { type: 'string' } },
  run,
};
