/** `flotilla describe`: one object with its per-cluster status (from its ResourceBinding). */
import { RESOURCE_BINDINGS, type ResourceBinding } from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { dump } from 'js-yaml';
import type { CliCommand, CommandContext } from '../cli-context.js';
import { UsageError } from '../errors/index.js';
import { printTable } from '../printers/index.js';
import { ResourceResolver } from '../resource-resolver.js';
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

async function run(ctx: CommandContext): Promise<number> {
  const [what, name] = ctx.args;
  if (!what || !name || ctx.args.length > 2) {
    throw new UsageError('describe needs a resource type and a name');
  }
  const client = ctx.client();
  const r = await new ResourceResolver(client).resolve(what);
  const ns = r.namespaced ? ctx.namespace : undefined;
  const obj = await client.resource(r.gvr, ns).get(name);
  const lines = describeObject(r.kind, obj);
  if (r.namespaced) {
    const bindings = (await client.resource<ResourceBinding>(RESOURCE_BINDINGS, ns).list()).items;
    lines.push(...clusterSection(bindingOf(bindings, r.kind, obj)));
  }
  ctx.io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

/** `flotilla describe RESOURCE NAME` */
export const describeCommand: CliCommand = {
  name: 'describe',
  summary: 'Show one object with its per-cluster status',
  usage: 'flotilla describe RESOURCE NAME [-n NS]',
  options: {},
  run,
};
