/**
 * PropagationPolicy `propagateDeps` (Karmada's dependencies distributor): the ConfigMaps, Secrets
 * (and any other propagated kind) a workload's pods reference follow the workload to the clusters
 * its ResourceBinding names. An index of who references what is kept from the workloads' informer
 * events (as a Kubernetes informer indexer would), so a dependency's reconcile never scans every
 * workload; reconciles still read everything else from the caches.
 */
import {
  PROPAGATION_POLICIES,
  RESOURCE_BINDINGS,
  type PropagationPolicy,
  type ResourceBinding,
} from '../../apis/index.js';
import { objectKey, type KubeObject } from '../../../machinery/meta.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import { selectorsMatch } from '../../overrides/apply-overrides.js';
import { hasDependencies, workloadDependencies } from '../../interpreter/workload-dependencies.js';
import { bindingNamespace, templateKey, type TemplateType } from './template-type.js';

/**
 * The highest-priority PropagationPolicy (then the first by name) selecting a template, as the
 * propagation controller picks it.
 */
export function selectPolicy(
  policies: PropagationPolicy[],
  tmpl: KubeObject,
): PropagationPolicy | undefined {
  return policies
    .filter((p) => selectorsMatch(p.spec.resourceSelectors, tmpl))
    .sort(
      (a, b) =>
        (b.spec.priority ?? 0) - (a.spec.priority ?? 0) ||
        (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    )[0];
}

/**
 * Where a dependency must be: the clusters of the workloads requiring it, and the policy of the
 * first of them (for its conflict resolution). `requiredBy` is Karmada's snapshot of those
 * workloads' bindings.
 */
export interface WorkloadRequirement {
  clusters: string[];
  policy?: { namespace: string; name: string };
  requiredBy: { namespace: string; name: string; clusters: { name: string }[] }[];
}

/** What {@link WorkloadDependents} reads and whom it tells. */
export interface WorkloadDependentsOptions {
  informers: InformerFactory;
  /** The kinds propagated now (a reference to a kind not among them is not followed). */
  types: () => TemplateType[];
  /** Queues a template's reconcile (a dependency whose requirements may have changed). */
  enqueue: (key: string) => void;
}

interface WorkloadRef {
  t: TemplateType;
  key: string;
}

/** `<kind>|<namespace>/<name>` of a referenced object. */
const refKey = (kind: string, namespace: string, name: string): string =>
  `${kind}|${namespace}/${name}`;

/**
 * Indexes workloads' references and answers which workloads (with `propagateDeps`) require a
 * dependency and where they are bound. Dependencies are queued when a workload's references change
 * (both the dropped and the new ones) and when a workload's binding changes.
 */
export class WorkloadDependents {
  private readonly opts: WorkloadDependentsOptions;
  /** Reference key → the workloads referencing it (by template key). */
  private readonly byDependency = new Map<string, Map<string, WorkloadRef>>();
  /** Workload template key → its reference keys. */
  private readonly ofWorkload = new Map<string, string[]>();

  constructor(opts: WorkloadDependentsOptions) {
    this.opts = opts;
  }

  /** Watches the workloads of `types` (kinds with a pod template) and the bindings. */
  watch(types: TemplateType[]): void {
    for (const t of types.filter((x) => hasDependencies(x.kind))) {
      this.opts.informers.for(t.gvr).addEventHandler({
        onAdd: (o) => this.observe(t, o, false),
        onUpdate: (_o, n) => this.observe(t, n, false),
        onDelete: (o) => this.observe(t, o, true),
      });
    }
    const fromBinding = (b: ResourceBinding): void => this.bindingChanged(b);
    this.opts.informers.for<ResourceBinding>(RESOURCE_BINDINGS).addEventHandler({
      onAdd: fromBinding,
      onUpdate: (_o, n) => fromBinding(n),
      onDelete: fromBinding,
    });
  }

  /** Records what a workload references now and queues the dependencies that changed. */
  observe(t: TemplateType, obj: KubeObject, deleted: boolean): void {
    const key = templateKey(t, obj);
    const before = this.ofWorkload.get(key) ?? [];
    const now = deleted
      ? []
      : workloadDependencies(t.kind, obj).map((d) => refKey(d.kind, d.namespace, d.name));
    for (const r of before) this.byDependency.get(r)?.delete(key);
    for (const r of now) {
      const set = this.byDependency.get(r) ?? new Map<string, WorkloadRef>();
      set.set(key, { t, key: objectKey(obj) });
      this.byDependency.set(r, set);
    }
    for (const r of before) if (this.byDependency.get(r)?.size === 0) this.byDependency.delete(r);
    if (now.length > 0) this.ofWorkload.set(key, now);
    else this.ofWorkload.delete(key);
    const changed = new Set([
      ...before.filter((r) => !now.includes(r)),
      ...now.filter((r) => !before.includes(r)),
    ]);
    for (const r of changed) this.enqueueDependency(r);
  }

  /** A workload's binding changed (placement, creation, deletion): its dependencies follow. */
  bindingChanged(b: ResourceBinding): void {
    const r = b.spec.resource;
    const t = this.opts.types().find((x) => x.kind === r.kind && x.apiVersion === r.apiVersion);
    if (!t || !hasDependencies(t.kind)) return;
    const key = `${t.gvr.group}/${t.gvr.resource}|${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
    for (const d of this.ofWorkload.get(key) ?? []) this.enqueueDependency(d);
  }

  /**
   * The workloads referencing `tmpl` whose policy has `propagateDeps`, and the clusters their
   * bindings name (a cluster being released, still in its aggregated status, counts: the dependency goes
   * after the workload). Undefined when none requires it.
   */
  requiredBy(t: TemplateType, tmpl: KubeObject): WorkloadRequirement | undefined {
    const ns = tmpl.metadata.namespace;
    if (!ns) return undefined;
    const workloads = this.byDependency.get(refKey(t.kind, ns, tmpl.metadata.name ?? ''));
    if (!workloads) return undefined;
    const policies = this.opts.informers.for<PropagationPolicy>(PROPAGATION_POLICIES).list(ns);
    const bindings = this.opts.informers.for<ResourceBinding>(RESOURCE_BINDINGS);
    const out: WorkloadRequirement = { clusters: [], requiredBy: [] };
    for (const w of [...workloads.values()].sort((a, b) => a.key.localeCompare(b.key))) {
      const obj = this.opts.informers.for(w.t.gvr).get(w.key);
      const policy = obj && selectPolicy(policies, obj);
      if (!obj || policy?.spec.propagateDeps !== true) continue;
      const name = `${obj.metadata.name ?? ''}-${w.t.kind.toLowerCase()}`;
      const binding = bindings.get(`${bindingNamespace(obj)}/${name}`);
      if (!binding) continue;
      out.policy ??= { namespace: ns, name: policy.metadata.name ?? '' };
      out.requiredBy.push({
        namespace: ns,
        name,
        // where a graceful eviction keeps a copy, its dependencies stay too
        clusters: [
          ...binding.spec.clusters.map((c) => c.name),
          ...(binding.spec.gracefulEvictionTasks ?? []).map((e) => e.fromCluster),
          // a cluster the binding controller is still releasing the workload from
          ...(binding.status?.aggregatedStatus ?? []).map((a) => a.clusterName),
        ]
          .filter((c, i, all) => all.indexOf(c) === i)
          .map((name) => ({ name })),
      });
    }
    if (out.requiredBy.length === 0) return undefined;
    out.clusters = [
      ...new Set(out.requiredBy.flatMap((r) => r.clusters.map((c) => c.name))),
    ].sort();
    return out;
  }

  private enqueueDependency(ref: string): void {
    const [kind, key] = ref.split('|');
    const t = this.opts.types().find((x) => x.kind === kind && x.gvr.group === '');
    if (t && key) this.opts.enqueue(`${t.gvr.group}/${t.gvr.resource}|${key}`);
  }
}
