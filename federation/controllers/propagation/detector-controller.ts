/**
 * The resource detector, the pipeline's first stage: template × PropagationPolicy →
 * ResourceBinding. It picks the policy (priority, then name; a dependency follows its workloads,
 * a CRD its custom resources), adds the cleanup finalizer, interprets the template's replicas and
 * writes the binding's spec (resource with its resourceVersion, policy, placement, replicas,
 * conflict resolution). Where the binding goes is the scheduler's (see {@link BindingScheduler});
 * what lands in the members the binding controller's. Template deletion and unbinding clean the
 * members up here (see {@link TemplateCleanup}).
 */
import {
  PROPAGATION_POLICIES,
  RESOURCE_BINDINGS,
  RESOURCE_INTERPRETER_CUSTOMIZATIONS,
  type PropagationPolicy,
  type ResourceBinding,
} from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { Controller } from '../../../machinery/controller/index.js';
import type { SharedInformer } from '../../../machinery/informer/index.js';
import type { WorkqueueMetricsProvider } from '../../../machinery/workqueue/index.js';
import { addFinalizer, FINALIZER_CLEANUP } from '../finalizers.js';
import { CustomResourcesPendingError, MemberCleanupPendingError } from '../errors/index.js';
import { writeBindingSpec } from './binding-writer.js';
import { isControlledByTemplate } from './controlled-template.js';
import {
  crdDependents,
  dependencyPolicy,
  isCrdType,
  type CustomResourceKinds,
} from './custom-resource-kinds.js';
import type { MemberExecution } from './member-execution.js';
import type { PipelineContext } from './pipeline-context.js';
import { reportInterpreterFailure, templateReplicas } from './replica-revision.js';
import type { TemplateCleanup } from './template-cleanup.js';
import { specificationChanged } from './template-specification.js';
import {
  bindingName as nameOfBinding,
  bindingNamespace,
  templateKey,
  typeOfKey,
  type TemplateType,
} from './template-type.js';
import {
  selectPolicy,
  type WorkloadDependents,
  type WorkloadRequirement,
} from './workload-dependents.js';

export const ControllerName = 'resource-detector';

/** Options for {@link ResourceDetector}. */
export interface ResourceDetectorOptions {
  ctx: PipelineContext;
  cleanup: TemplateCleanup;
  /** The members' execution queues (stopped for a template being cleaned up). */
  execution: MemberExecution;
  /** The custom kinds propagated now (when CRDs are). */
  customKinds: () => CustomResourceKinds | undefined;
  /** Which workloads with `propagateDeps` reference a ConfigMap, Secret... */
  workloadDeps: () => WorkloadDependents;
  /** Templates reconciled at once. @defaultValue 32 */
  workers?: number;
}

/** Template × PropagationPolicy → ResourceBinding (see the module comment). */
export class ResourceDetector {
  readonly controller: Controller;
  private readonly opts: ResourceDetectorOptions;
  private readonly ctx: PipelineContext;

  constructor(opts: ResourceDetectorOptions) {
    this.opts = opts;
    this.ctx = opts.ctx;
    const { informers } = opts.ctx;
    const pps = informers.for<PropagationPolicy>(PROPAGATION_POLICIES);
    const rics = informers.for(RESOURCE_INTERPRETER_CUSTOMIZATIONS);
    const bindings = informers.for<ResourceBinding>(RESOURCE_BINDINGS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [pps, rics, bindings],
      reconcile: (k) => this.reconcile(k),
      logger: opts.ctx.logger,
      workers: opts.workers ?? 32,
    });
    const all = (): void => this.enqueueAll();
    pps.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
    // a customization changes the replicas it interprets (or fixes a failing rule)
    rics.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
    // a custom resource's binding brings its CRD back (placed wherever its objects are)
    const toCrd = (b: ResourceBinding): void => {
      const r = b.spec.resource;
      const crd = this.opts.customKinds()?.byKind(r.apiVersion, r.kind)?.crd;
      const g = { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' };
      if (crd !== undefined) this.controller.enqueue(`${g.group}/${g.resource}|${crd}`);
    };
    bindings.addEventHandler({ onAdd: toCrd, onUpdate: (_o, n) => toCrd(n), onDelete: toCrd });
  }

  /** Runs the template workers until `signal` aborts (queue `resource-detector`). */
  run(signal: AbortSignal, metrics?: WorkqueueMetricsProvider): Promise<void> {
    return this.controller.run(signal, metrics);
  }

  /** Enqueues a kind's templates on their events (a change starts the latency clock). */
  watch(t: TemplateType, inf: SharedInformer): void {
    const enqueue = (o: KubeObject): void => this.controller.enqueue(templateKey(t, o));
    const changed = (o: KubeObject): void => {
      this.ctx.latency.changed(templateKey(t, o));
      enqueue(o);
    };
    inf.addEventHandler({
      onAdd: changed,
      // the status the binding controller writes back is no change of the template
      onUpdate: (o, n) => {
        if (specificationChanged(o, n)) changed(n);
      },
      onDelete: (o) => {
        this.ctx.latency.deleted(templateKey(t, o));
        enqueue(o);
      },
    });
  }

  /** Re-checks every template. */
  enqueueAll(): void {
    for (const t of this.ctx.types()) {
      for (const o of this.ctx.informers.for(t.gvr).list()) {
        this.controller.enqueue(templateKey(t, o));
      }
    }
  }

  /** Where a CRD's custom resources, or a dependency's workloads (propagateDeps), are bound. */
  private dependents(t: TemplateType, tmpl: KubeObject): WorkloadRequirement | undefined {
    const cr = isCrdType(t) ? this.opts.customKinds()?.ofCrd(tmpl.metadata.name ?? '') : undefined;
    // a ConfigMap, Secret... goes wherever the workloads referencing it with propagateDeps are
    if (!cr) return this.opts.workloadDeps().requiredBy(t, tmpl);
    const bindings = this.ctx.informers.for<ResourceBinding>(RESOURCE_BINDINGS).list();
    const deps = crdDependents(cr, bindings);
    return {
      ...deps,
      requiredBy: deps.clusters.length > 0 ? [{ ...crdRequirer(deps.policy), clusters: [] }] : [],
    };
  }

  /**
   * A deleted CRD's own cleanup waits for its custom resources to be gone from the federation.
   * @throws CustomResourcesPendingError while some are left (or not known yet)
   */
  private customResourcesGone(t: TemplateType, tmpl: KubeObject): void {
    const cr = isCrdType(t) ? this.opts.customKinds()?.ofCrd(tmpl.metadata.name ?? '') : undefined;
    if (!cr) return;
    const inf = this.ctx.informers.for(cr.gvr);
    const left = inf.hasSynced() ? inf.list().length : Number.NaN;
    if (left !== 0) throw new CustomResourcesPendingError(tmpl.metadata.name ?? '', left);
  }

  /**
   * The template's copies are cleaned up here (deletion, no policy): nothing more is executed
   * for it. @throws MemberCleanupPendingError while a member call for it still runs
   */
  private stopExecution(key: string, objKey: string): void {
    const busy = this.opts.execution.forget(key);
    if (busy.length > 0) throw new MemberCleanupPendingError(objKey, busy);
  }

  /**
   * Takes the placement out of a binding being unbound first: the scheduler and the binding
   * controller leave it alone from then on (no copy written back while its members are cleaned).
   */
  private async unplace(binding: ResourceBinding): Promise<ResourceBinding> {
    if (!binding.spec.placement) return binding;
    const spec = structuredClone(binding.spec);
    delete spec.placement;
    return this.ctx.client
      .resource<ResourceBinding>(RESOURCE_BINDINGS, binding.metadata.namespace)
      .update({ ...structuredClone(binding), spec });
  }

  /** The policy placing `tmpl` (and where its dependents are), if any. */
  private policyOf(
    t: TemplateType,
    tmpl: KubeObject,
  ): { policy: PropagationPolicy; deps: WorkloadRequirement | undefined } | undefined {
    const pps = this.ctx.informers.for<PropagationPolicy>(PROPAGATION_POLICIES);
    // a propagated object's dependent (a Deployment's history ReplicaSet) is never a template
    if (isControlledByTemplate(tmpl, this.ctx.types())) return undefined;
    const selected = selectPolicy(pps.list(tmpl.metadata.namespace), tmpl);
    const deps = this.dependents(t, tmpl);
    if (selected) return { policy: selected, deps };
    if (deps && deps.clusters.length > 0) return { policy: dependencyPolicy(deps, pps), deps };
    return undefined;
  }

  /** Converges the template `key`'s binding (or cleans its members up). */
  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const t = typeOfKey(this.ctx.types(), key);
    if (!t) return undefined;
    const objKey = key.split('|')[1] ?? '';
    const cached = this.ctx.informers.for(t.gvr).get(objKey);
    if (!cached) {
      this.opts.execution.forget(key);
      return undefined;
    }
    const bindingName = nameOfBinding(t, cached);
    const binding = this.ctx.informers
      .for<ResourceBinding>(RESOURCE_BINDINGS)
      .get(`${bindingNamespace(cached)}/${bindingName}`);
    if (cached.metadata.deletionTimestamp) {
      this.ctx.events.forget(cached);
      this.stopExecution(key, objKey);
      // custom resources leave the members first, their CRD last
      this.customResourcesGone(t, cached);
      await this.opts.cleanup.finalize(t, cached, bindingName, binding);
      return undefined;
    }
    const chosen = this.policyOf(t, cached);
    if (!chosen) {
      this.stopExecution(key, objKey);
      // keep the binding (it names the clusters) until every member has been cleaned
      if (binding) {
        const unbound = await this.unplace(binding);
        await this.opts.cleanup.unbind(t, cached, objKey, bindingName, unbound);
      }
      return undefined;
    }
    // go on with the patched template rather than wait for its update event (a burst of new
    // templates would otherwise all get their finalizer before the first reached a binding)
    const tmpl = await addFinalizer(this.ctx.client, t.gvr, cached, FINALIZER_CLEANUP);
    const { policy, deps } = chosen;
    const interpreted = templateReplicas(this.ctx.interpreter, tmpl);
    if (!interpreted.ok) {
      const args = [t, tmpl, bindingName, binding, policy, interpreted.error] as const;
      await reportInterpreterFailure(this.ctx.client, this.ctx.events, ...args);
      return { requeueAfterMs: this.ctx.resyncMs };
    }
    await writeBindingSpec(this.ctx.client, t, tmpl, bindingName, binding, {
      policy,
      replicas: interpreted.value,
      ...(deps ? { requiredBy: requirements(deps) } : {}),
    });
    return { requeueAfterMs: this.ctx.resyncMs };
  }
}

/** The binding name a CRD's custom resources are required through (their first policy). */
function crdRequirer(policy: { namespace: string; name: string } | undefined): {
  namespace: string;
  name: string;
} {
  return policy ?? { namespace: 'default', name: 'custom-resources' };
}

/** `requiredBy` with the clusters each requirement brings (a CRD's: all its custom resources'). */
function requirements(deps: WorkloadRequirement): WorkloadRequirement['requiredBy'] {
  const all = deps.clusters.map((name) => ({ name }));
  return deps.requiredBy.map((r) => (r.clusters.length > 0 ? r : { ...r, clusters: all }));
}
