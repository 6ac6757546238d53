/**
 * Federating CustomResourceDefinitions: the CRD kind itself is a template type (cluster-scoped),
 * and each custom kind an Established CRD serves at the federation is one while the CRD exists,
 * so the propagation controller starts (and stops) watching its objects without a restart.
 * A CRD goes to every member one of its custom resources is bound to (Karmada's dependency
 * behaviour), besides where a policy of its own places it.
 */
import { CUSTOM_RESOURCE_DEFINITIONS, type CustomResourceDefinition } from '../../../api/index.js';
import type { PropagationPolicy, ResourceBinding } from '../../apis/index.js';
import type { SharedInformer } from '../../../machinery/informer/index.js';
import type { ScheduleOutcome } from './schedule-outcome.js';
import type { TemplateType } from './template-type.js';

/** The CustomResourceDefinition kind as a template (its status is each member's own). */
export const CRD_TEMPLATE_TYPE: TemplateType = {
  gvr: CUSTOM_RESOURCE_DEFINITIONS,
  kind: 'CustomResourceDefinition',
  apiVersion: 'apiextensions.k8s.io/v1',
  status: false,
};

/** True for the CustomResourceDefinition template type. */
export const isCrdType = (t: TemplateType): boolean =>
  t.gvr.group === CRD_TEMPLATE_TYPE.gvr.group && t.gvr.resource === CRD_TEMPLATE_TYPE.gvr.resource;

/** True once the CRD's `Established` condition is True (its kind is served). */
export function isEstablished(crd: CustomResourceDefinition | undefined): boolean {
  return (
    crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true
  );
}

/**
 * The template type of the kind an Established CRD serves, at its storage version (objects are
 * stored as written, without conversion); `status` when that version has a status subresource.
 * Undefined while the CRD is not Established.
 */
export function customResourceTemplateType(
  crd: CustomResourceDefinition,
): TemplateType | undefined {
  if (!isEstablished(crd)) return undefined;
  const versions = crd.spec.versions;
  const v = versions.find((x) => x.storage && x.served) ?? versions.find((x) => x.served);
  if (!v) return undefined;
  const names = crd.status?.acceptedNames ?? crd.spec.names;
  return {
    gvr: { group: crd.spec.group, version: v.name, resource: names.plural },
    kind: names.kind,
    apiVersion: `${crd.spec.group}/${v.name}`,
    status: v.subresources?.status !== undefined,
    crd: crd.metadata.name ?? '',
  };
}

/** What a {@link CustomResourceKinds} tells its owner. */
export interface CustomResourceKindsOptions {
  /** The federation's CRDs. */
  crds: Pick<SharedInformer<CustomResourceDefinition>, 'addEventHandler'>;
  /** A kind became propagatable: watch its objects. */
  added: (t: TemplateType) => void;
  /** A kind is no longer served (its CRD is gone, or serves it under other names): stop. */
  removed: (t: TemplateType) => void;
}

/**
 * The custom kinds the federation serves, kept from its CRDs: a kind is added once its CRD is
 * Established and removed when the CRD is gone. A Terminating CRD keeps its kind, whose objects
 * still have to be cleaned out of the members.
 */
export class CustomResourceKinds {
  private readonly byCrd = new Map<string, TemplateType>();
  private readonly opts: CustomResourceKindsOptions;

  constructor(opts: CustomResourceKindsOptions) {
    this.opts = opts;
    opts.crds.addEventHandler({
      onAdd: (c) => {
        this.sync(c);
      },
      onUpdate: (_o, n) => {
        this.sync(n);
      },
      onDelete: (c) => {
        this.drop(c.metadata.name ?? '');
      },
    });
  }

  /** The custom kinds propagatable now. */
  list(): TemplateType[] {
    return [...this.byCrd.values()];
  }

  /** The custom kind a CRD serves, if propagatable. */
  ofCrd(name: string): TemplateType | undefined {
    return this.byCrd.get(name);
  }

  /** The custom kind of `apiVersion` + `kind` (a binding's resource), if propagatable. */
  byKind(apiVersion: string, kind: string): TemplateType | undefined {
    return this.list().find((t) => t.apiVersion === apiVersion && t.kind === kind);
  }

  private sync(crd: CustomResourceDefinition): void {
    const name = crd.metadata.name ?? '';
    const next = customResourceTemplateType(crd);
    // not (or no longer) Established: a kind served before stays until the CRD is gone
    if (!next) return;
    const cur = this.byCrd.get(name);
    this.byCrd.set(name, next);
    if (cur && JSON.stringify(cur.gvr) === JSON.stringify(next.gvr) && cur.kind === next.kind) {
      return; // the same kind (a status subresource may have come or gone)
    }
    if (cur) this.opts.removed(cur);
    this.opts.added(next);
  }

  private drop(name: string): void {
    const cur = this.byCrd.get(name);
    if (!cur) return;
    this.byCrd.delete(name);
    this.opts.removed(cur);
  }
}

/** Where a CRD's custom resources are bound, and the policy of the first (by name) binding. */
export interface CrdDependents {
  clusters: string[];
  policy?: { namespace: string; name: string };
}

/**
 * The clusters the custom resources of kind `cr` are bound to (a cluster being released, still
 * in its aggregated status, counts: the CRD goes after its objects). Pure.
 */
export function crdDependents(cr: TemplateType, bindings: ResourceBinding[]): CrdDependents {
  const mine = bindings
    .filter((b) => b.spec.resource.apiVersion === cr.apiVersion && b.spec.resource.kind === cr.kind)
    .sort((a, b) =>
      `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`.localeCompare(
        `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`,
      ),
    );
  const clusters = [
    ...new Set(
      mine.flatMap((b) => [
        ...b.spec.clusters.map((c) => c.name),
        // still being released by the binding controller
        ...(b.status?.aggregatedStatus ?? []).map((a) => a.clusterName),
      ]),
    ),
  ].sort();
  const policy = mine.find((b) => b.spec.policy)?.spec.policy;
  return { clusters, ...(policy ? { policy } : {}) };
}

/**
 * The policy a CRD no policy selects is placed by: the policy of one of its custom resources
 * (for its conflict resolution, and to name it in the binding and events), placing it exactly in
 * the clusters its custom resources are bound to.
 */
export function dependencyPolicy(
  deps: CrdDependents,
  policies: { get(key: string): PropagationPolicy | undefined },
): PropagationPolicy {
  const ref = deps.policy ?? { namespace: 'default', name: 'custom-resources' };
  const found = policies.get(`${ref.namespace}/${ref.name}`);
  return {
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name: ref.name, namespace: ref.namespace },
    spec: {
      resourceSelectors: [],
      placement: { clusterAffinity: { clusterNames: deps.clusters } },
      ...(found?.spec.conflictResolution
        ? { conflictResolution: found.spec.conflictResolution }
        : {}),
    },
  };
}

/**
 * Built-in workloads without replicas (Karmada's default interpreter has no replica rule for them):
 * a DaemonSet runs one pod per node of each member, a CronJob makes Jobs on its schedule.
 */
const NO_REPLICAS_WORKLOADS: ReadonlySet<string> = new Set(['DaemonSet', 'CronJob']);

/**
 * A custom kind has no replicas interpreter, nor has a DaemonSet or CronJob: a policy asking for
 * Divided places it Duplicated, and the binding's Scheduled condition (and the schedule event)
 * say so. Other built-in kinds without replicas (ConfigMaps...) are placed Duplicated silently.
 */
export function withoutReplicaInterpreter(
  t: TemplateType,
  policy: PropagationPolicy,
  schedule: ScheduleOutcome,
): ScheduleOutcome {
  if ((!t.crd && !NO_REPLICAS_WORKLOADS.has(t.kind)) || !schedule.ok) return schedule;
  if (policy.spec.placement.replicaScheduling?.replicaSchedulingType !== 'Divided') return schedule;
  return {
    ok: true,
    reason: 'NoReplicaInterpreter',
    message: `${schedule.message}; ${t.kind} has no replicas interpreter: replicaSchedulingType Divided is not supported for it, placed Duplicated`,
  };
}
