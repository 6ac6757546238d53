import type { Registry } from 'prom-client';
import {
  CLUSTERS,
  OVERRIDE_POLICIES,
  PROPAGATION_POLICIES,
  RESOURCE_BINDINGS,
  RESOURCE_INTERPRETER_CUSTOMIZATIONS,
  WORKS,
  type Cluster,
  type OverridePolicy,
  type PropagationPolicy,
  type ResourceBinding,
  type ResourceInterpreterCustomization,
  type Work,
} from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { Controller, type Logger } from '../../../machinery/controller/index.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import { selectorsMatch } from '../../overrides/apply-overrides.js';
import { isClusterReady, place } from '../../scheduler/placement.js';
import type { ClusterClients } from '../cluster-clients.js';
import { addFinalizer, FINALIZER_CLEANUP } from '../finalizers.js';
import { MemberApplier, type ImageGate } from './member-apply.js';
import { PropagationLatency } from './propagation-latency.js';
import { templateOfWork, WorkWriter } from './work-writer.js';
import { writeBinding, writeTemplateStatus } from './binding-writer.js';
import {
  bindingNamespace,
  templateKey as tkey,
  type ApplyResult,
  type TemplateType,
} from './template-type.js';
import { PropagationEvents } from './propagation-events.js';
import { scheduleOutcome } from './schedule-outcome.js';
import { diagnoseInMembers } from './member-diagnosis.js';
import { RELEASE_DELETE, TemplateCleanup } from './template-cleanup.js';
import { EventRecorder } from '../../../api/index.js';
import type { WorkqueueMetricsProvider } from '../../../machinery/workqueue/index.js';
import { CustomResourcesPendingError, MemberCleanupPendingError } from '../errors/index.js';
import { MemberExecution } from './member-execution.js';
import type { SharedInformer } from '../../../machinery/informer/index.js';
import type { CustomResourceDefinition } from '../../../api/index.js';
import {
  CRD_TEMPLATE_TYPE,
  crdDependents,
  CustomResourceKinds,
  dependencyPolicy,
  isCrdType,
  withoutReplicaInterpreter,
} from './custom-resource-kinds.js';
import { copyCustomResourceStatus } from './custom-resource-status.js';
import { WorkloadDependents } from './workload-dependents.js';
import { isControlledByTemplate } from './controlled-template.js';
import { ResourceInterpreter } from '../../interpreter/replica-interpreter.js';
import type { InterpreterRuleError } from '../../interpreter/interpreter-errors.js';
import {
  reportInterpreterFailure,
  revisedTemplates,
  statusAggregator,
  templateReplicas,
  type InterpreterFailure,
} from './replica-revision.js';

export type { TemplateType } from './template-type.js';

export const ControllerName = 'propagation-controller';
export { FINALIZER_CLEANUP };
/** Annotation on a template: keep member objects when it is deleted. */
export { ANNOTATION_ORPHAN } from './template-cleanup.js';

/** Rewrites or refuses a workload's images for a target cluster (image promotion gate). */
export type { ImageGate };

/** Options for {@link PropagationController}. */
export interface PropagationOptions {
  client: KubeClient;
  informers: InformerFactory;
  clients: ClusterClients;
  /**
   * The kinds propagated. With CustomResourceDefinition among them ({@link CRD_TEMPLATE_TYPE})
   * every custom kind an Established CRD serves at the federation is propagated too, while the
   * CRD exists (see {@link CustomResourceKinds}).
   */
  types: TemplateType[];
  logger: Logger;
  /** Every template is re-checked this often (drift repair, status). @defaultValue 5000 */
  resyncMs?: number;
  imageGate?: ImageGate;
  /**
   * Templates reconciled at once (a template is never handed to two workers at once). Each
   * reconcile mostly waits on federation round trips (Push members' writes are queued per member,
   * see {@link PropagationOptions.memberWorkers}), so many overlap: on the propagation bench 32
   * workers moved ~1.4× the objects of 8.
   * @defaultValue 32
   */
  workers?: number;
  /**
   * Workers of each Push member's execution queue: a slow or failing member ties up only these,
   * never the template workers nor another member's. @defaultValue 8
   */
  memberWorkers?: number;
  /** Where `flotilla_propagation_latency_seconds` and the placement attempts go. @defaultValue none */
  metricsRegistry?: Registry | undefined;
  /** Records the templates' events. @defaultValue a recorder writing through `client` */
  events?: EventRecorder;
}

/**
 * Template × PropagationPolicy → placement → per-cluster copy (overrides, replicas) written into
 * Push members through their Kubernetes API, and into a Work in `fed-es-<cluster>` for Pull
 * members (their agent applies it and reports status back, see {@link WorkWriter});
 * ResourceBinding records the decision and per-cluster status; template status is aggregated; deletion cleans members up (or orphans). Level-triggered:
 * every reconcile compares what members have with what they should have, which also repairs drift.
 * What members have is read from watched caches of their managed objects (no member read per
 * reconcile, see {@link ClusterClients.cache}); a write refused because the cache was behind is
 * decided again once from a fresh read. Deletion paths always read the member itself.
 */
export class PropagationController {
  readonly controller: Controller;
  private readonly opts: PropagationOptions;
  private readonly latency: PropagationLatency;
  private readonly events: PropagationEvents;
  /** Writes the templates' copies into the members. */
  private readonly members: MemberApplier;
  /** Takes the templates' copies out of the members. */
  private readonly cleanup: TemplateCleanup;
  /** One queue per Push member carrying out the writes and releases decided here. */
  private readonly execution: MemberExecution;
  /** The custom kinds propagated now (when CRDs are). */
  private readonly customKinds: CustomResourceKinds | undefined;
  /** Which workloads with `propagateDeps` reference a ConfigMap, Secret... (see its class). */
  private readonly workloadDeps: WorkloadDependents;
  /** Replicas of every kind: built-in rules and ResourceInterpreterCustomizations. */
  private readonly interpreter: ResourceInterpreter;

  constructor(opts: PropagationOptions) {
    this.opts = opts;
    const now = (): Date => new Date();
    const { client, logger } = opts;
    this.events = new PropagationEvents(
      opts.events ?? new EventRecorder({ client, component: ControllerName, logger, now }),
      diagnoseInMembers(opts.informers, opts.clients),
    );
    const clusters = opts.informers.for<Cluster>(CLUSTERS);
    const pps = opts.informers.for<PropagationPolicy>(PROPAGATION_POLICIES);
    const ops = opts.informers.for<OverridePolicy>(OVERRIDE_POLICIES);
    const templates = opts.types.map((t) => opts.informers.for(t.gvr));
    const works = opts.informers.for<Work>(WORKS);
    const rics = opts.informers.for<ResourceInterpreterCustomization>(
      RESOURCE_INTERPRETER_CUSTOMIZATIONS,
    );
    this.interpreter = new ResourceInterpreter({ customizations: () => rics.list() });
    const workWriter = new WorkWriter(opts.client, works);
    this.latency = new PropagationLatency(opts.metricsRegistry);
    this.execution = new MemberExecution({
      apply: (i) => this.members.write(i),
      release: (i) => this.cleanup.removeOne(i.cluster, i.t, i.tmpl, i.release),
      changed: (key) => this.controller.enqueue(key),
      workers: opts.memberWorkers ?? 8,
      logger,
    });
    this.members = new MemberApplier({
      clients: opts.clients,
      works: workWriter,
      latency: this.latency,
      imageGate: opts.imageGate,
      execution: this.execution,
    });
    this.cleanup = new TemplateCleanup({
      client: opts.client,
      informers: opts.informers,
      clients: opts.clients,
      works: workWriter,
      logger: opts.logger,
    });
    this.controller = new Controller({
      name: ControllerName,
      informers: [
        clusters,
        pps,
        ops,
        rics,
        ...templates,
        opts.informers.for(RESOURCE_BINDINGS),
        works,
      ],
      reconcile: (k) => this.reconcile(k),
      logger: opts.logger,
      workers: opts.workers ?? 32,
    });
    opts.types.forEach((t, i) => {
      const inf = templates[i];
      if (inf) this.watchTemplates(t, inf);
    });
    this.workloadDeps = new WorkloadDependents({
      informers: opts.informers,
      types: () => this.types(),
      enqueue: (key) => this.controller.enqueue(key),
    });
    this.workloadDeps.watch(opts.types);
    this.customKinds = opts.types.some(isCrdType)
      ? new CustomResourceKinds({
          crds: opts.informers.for<CustomResourceDefinition>(CRD_TEMPLATE_TYPE.gvr),
          // started at once when the informers run (no restart); its objects come as adds
          added: (t) => {
            this.watchTemplates(t, opts.informers.for(t.gvr));
          },
          removed: (t) => {
            opts.informers.remove(t.gvr);
            opts.clients.forgetResource(t.gvr);
          },
        })
      : undefined;
    const all = (): void => this.enqueueAll();
    clusters.addEventHandler({
      onAdd: all,
      onDelete: (c) => {
        this.execution.dropCluster(c.metadata.name ?? '');
        all();
      },
      onUpdate: (o, n) => {
        // back (Ready again): what waits out a back-off for it is retried now
        if (readyReason(o) !== readyReason(n) && isClusterReady(n)) {
          this.execution.retryNow(n.metadata.name ?? '');
        }
        if (
          JSON.stringify(o.spec) !== JSON.stringify(n.spec) ||
          JSON.stringify(o.metadata.labels) !== JSON.stringify(n.metadata.labels) ||
          readyReason(o) !== readyReason(n)
        ) {
          all();
        }
      },
    });
    // what an agent reported (or a Work vanishing) brings its template back
    const fromWork = (w: Work): void => {
      const ref = templateOfWork(w);
      const t = ref && this.types().find((x) => x.kind.toLowerCase() === ref.kind);
      if (t && ref) {
        this.controller.enqueue(
          `${t.gvr.group}/${t.gvr.resource}|${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`,
        );
      }
    };
    works.addEventHandler({ onUpdate: (_o, n) => fromWork(n), onDelete: fromWork });
    pps.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
    // a custom resource's placement brings its CRD back (placed wherever its objects are)
    const toCrd = (b: ResourceBinding): void => {
      const r = b.spec.resource;
      const crd = this.customKinds?.byKind(r.apiVersion, r.kind)?.crd;
      const g = CRD_TEMPLATE_TYPE.gvr;
      if (crd !== undefined) this.controller.enqueue(`${g.group}/${g.resource}|${crd}`);
    };
    opts.informers.for<ResourceBinding>(RESOURCE_BINDINGS).addEventHandler({
      onAdd: toCrd,
      onUpdate: (_o, n) => toCrd(n),
      onDelete: toCrd,
    });
    ops.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
    // a customization changes how its kind is divided (or fixes a failing rule)
    rics.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
  }

  /**
   * Runs the template workers and the members' execution queues until `signal` aborts.
   * `metrics` gets the template queue (`propagation-controller`) and each member's
   * (`member-execution/<cluster>`).
   */
  async run(signal: AbortSignal, metrics?: WorkqueueMetricsProvider): Promise<void> {
    await Promise.all([this.controller.run(signal, metrics), this.execution.run(signal, metrics)]);
  }

  /** The kinds propagated now: the configured ones and the custom kinds of Established CRDs. */
  types(): TemplateType[] {
    return [...this.opts.types, ...(this.customKinds?.list() ?? [])];
  }

  /** Enqueues a kind's templates on their events (a change starts the latency clock). */
  private watchTemplates(t: TemplateType, inf: SharedInformer): void {
    const enqueue = (o: KubeObject): void => this.controller.enqueue(tkey(t, o));
    const changed = (o: KubeObject): void => {
      this.latency.changed(tkey(t, o));
      enqueue(o);
    };
    inf.addEventHandler({
      onAdd: changed,
      onUpdate: (_o, n) => changed(n),
      onDelete: (o) => {
        this.latency.deleted(tkey(t, o));
        enqueue(o);
      },
    });
  }

  /** See {@link reportInterpreterFailure}; the template is looked at again at the next resync. */
  private async failed(...args: InterpreterFailure): Promise<{ requeueAfterMs: number }> {
    await reportInterpreterFailure(this.opts.client, this.events, ...args);
    return { requeueAfterMs: this.opts.resyncMs ?? 5000 };
  }

  /** Re-checks every template. */
  enqueueAll(): void {
    this.types().forEach((t) => {
      for (const o of this.opts.informers.for(t.gvr).list()) this.controller.enqueue(tkey(t, o));
    });
  }

  private typeOf(key: string): TemplateType | undefined {
    const g = key.split('|')[0];
    return this.types().find((t) => `${t.gvr.group}/${t.gvr.resource}` === g);
  }

  /** Where a CRD's custom resources, or a dependency's workloads (propagateDeps), are bound. */
  private dependents(
    t: TemplateType,
    tmpl: KubeObject,
  ): ReturnType<typeof crdDependents> | undefined {
    const cr = isCrdType(t) ? this.customKinds?.ofCrd(tmpl.metadata.name ?? '') : undefined;
    // a ConfigMap, Secret... goes wherever the workloads referencing it with propagateDeps are
    if (!cr) return this.workloadDeps.requiredBy(t, tmpl);
    return crdDependents(cr, this.opts.informers.for<ResourceBinding>(RESOURCE_BINDINGS).list());
  }

  /**
   * A deleted CRD's own cleanup waits for its custom resources to be gone from the federation
   * (the federation deletes them; each is cleaned out of the members by its own reconcile).
   * @throws CustomResourcesPendingError while some are left (or not known yet)
   */
  private customResourcesGone(t: TemplateType, tmpl: KubeObject): void {
    const cr = isCrdType(t) ? this.customKinds?.ofCrd(tmpl.metadata.name ?? '') : undefined;
    if (!cr) return;
    const inf = this.opts.informers.for(cr.gvr);
    const left = inf.hasSynced() ? inf.list().length : Number.NaN;
    if (left !== 0) throw new CustomResourcesPendingError(tmpl.metadata.name ?? '', left);
  }

  /**
   * The template's copies are cleaned up by its reconcile (deletion, no policy): nothing more is
   * executed for it. @throws MemberCleanupPendingError while a member call for it still runs
   */
  private stopExecution(key: string, objKey: string): void {
    const busy = this.execution.forget(key);
    if (busy.length > 0) throw new MemberCleanupPendingError(objKey, busy);
  }

  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const t = this.typeOf(key);
    if (!t) return undefined;
    const objKey = key.split('|')[1] ?? '';
    const cached = this.opts.informers.for(t.gvr).get(objKey);
    const resync = { requeueAfterMs: this.opts.resyncMs ?? 5000 };
    if (!cached) {
      this.execution.forget(key);
      return undefined;
    }
    let tmpl: KubeObject = cached;
    const ns = tmpl.metadata.namespace;
    const bindingName = `${tmpl.metadata.name ?? ''}-${t.kind.toLowerCase()}`;
    const binding = this.opts.informers
      .for<ResourceBinding>(RESOURCE_BINDINGS)
      .get(`${bindingNamespace(tmpl)}/${bindingName}`);
    if (tmpl.metadata.deletionTimestamp) {
      this.events.forget(tmpl);
      this.stopExecution(key, objKey);
      // custom resources leave the members first, their CRD last
      this.customResourcesGone(t, tmpl);
      await this.cleanup.finalize(t, tmpl, bindingName, binding);
      return undefined;
    }
    // a propagated object's dependent (a Deployment's history ReplicaSet) is never a template
    const dependent = isControlledByTemplate(tmpl, this.types());
    const selected = this.opts.informers
      .for<PropagationPolicy>(PROPAGATION_POLICIES)
      .list(ns)
      .filter((p) => !dependent && selectorsMatch(p.spec.resourceSelectors, tmpl))
      .sort(
        (a, b) =>
          (b.spec.priority ?? 0) - (a.spec.priority ?? 0) ||
          (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
      )[0];
    // a CRD also goes wherever its custom resources are bound
    const deps = dependent ? undefined : this.dependents(t, tmpl);
    const policy =
      selected ??
      (deps && deps.clusters.length > 0
        ? dependencyPolicy(deps, this.opts.informers.for<PropagationPolicy>(PROPAGATION_POLICIES))
        : undefined);
    if (!policy) {
      this.stopExecution(key, objKey);
      // keep the binding (it names the clusters) until every member has been cleaned
      if (binding) await this.cleanup.unbind(t, tmpl, objKey, bindingName, binding);
      return undefined;
    }
    // go on with the patched template rather than wait for its update event: that would queue the
    // key behind every other pending one, so a burst of new templates would all get their
    // finalizer before the first reached a member (the event's reconcile finds nothing to do)
    tmpl = await addFinalizer(this.opts.client, t.gvr, tmpl, FINALIZER_CLEANUP);
    const clusters = this.opts.informers.for<Cluster>(CLUSTERS).list();
    const interpreted = templateReplicas(this.interpreter, tmpl);
    if (!interpreted.ok) {
      return this.failed(t, tmpl, bindingName, binding, policy, interpreted.error);
    }
    const replicas = interpreted.value;
    // where it already is (a NoSchedule taint keeps those; replicas 0 = being removed)
    const bound = new Set(
      (binding?.spec.clusters ?? []).filter((c) => c.replicas !== 0).map((c) => c.name),
    );
    const decision = this.latency.placement(() =>
      place(policy.spec.placement, clusters, replicas, bound),
    );
    const joined = new Set(clusters.map((c) => c.metadata.name ?? ''));
    for (const name of deps?.clusters ?? []) {
      if (joined.has(name) && !decision.clusters.some((c) => c.name === name)) {
        decision.clusters.push({ name });
      }
    }
    const placed = scheduleOutcome(policy, policy.spec.placement, clusters, decision);
    const schedule = replicas === undefined ? withoutReplicaInterpreter(t, policy, placed) : placed;
    const divided = policy.spec.placement.replicaScheduling?.replicaSchedulingType === 'Divided';
    const revised = revisedTemplates(this.interpreter, tmpl, decision.clusters, divided);
    if (!revised.ok) {
      return this.failed(t, tmpl, bindingName, binding, policy, revised.error);
    }
    const ops = this.opts.informers.for<OverridePolicy>(OVERRIDE_POLICIES).list(ns);
    // members are independent: Pull members' Works are written at once, Push members' writes
    // queued in each member's own execution queue (a slow member delays no other, nor this)
    const results: ApplyResult[] = await Promise.all(
      decision.clusters.flatMap((target) => {
        const cluster = clusters.find((c) => c.metadata.name === target.name);
        const copy = revised.value.get(target.name);
        return cluster
          ? [this.members.apply(cluster, t, tmpl, target.replicas, ops, policy, copy)]
          : [];
      }),
    );
    const keep = new Set(decision.clusters.map((c) => c.name));
    const stale = [
      ...new Set([
        ...(binding?.spec.clusters ?? []).map((c) => c.name),
        ...this.cleanup.cachedCopies(t, tmpl, clusters),
      ]),
    ].filter((n) => !keep.has(n));
    // released through the members' queues too; kept in the binding until done
    const unreachable = stale.filter((name) => {
      const cluster = clusters.find((c) => c.metadata.name === name);
      return (
        cluster !== undefined &&
        !this.execution.release(key, { op: 'release', cluster, t, tmpl, release: RELEASE_DELETE })
      );
    });
    await writeBinding(
      this.opts.client,
      t,
      tmpl,
      bindingName,
      binding,
      policy,
      decision.clusters
        .filter((c) => keep.has(c.name))
        .concat(unreachable.map((name) => ({ name, replicas: 0 }))),
      results,
      replicas,
      schedule,
    );
    if (t.status && t.crd !== undefined) {
      const failed: InterpreterRuleError[] = [];
      const aggregate = statusAggregator(this.interpreter, failed);
      await copyCustomResourceStatus(this.opts.client, t, tmpl, results, aggregate);
      for (const e of failed) await this.events.aggregateStatusFailed(tmpl, e.message);
    } else if (t.status) {
      await writeTemplateStatus(this.opts.client, t, tmpl, results, schedule);
    }
    await this.events.reconciled(tmpl, schedule, results);
    return resync;
  }
}

function readyReason(c: Cluster): string {
  const r = c.status?.conditions?.find((x) => x.type === 'Ready');
  return `${r?.status ?? ''}/${r?.reason ?? ''}`;
}
