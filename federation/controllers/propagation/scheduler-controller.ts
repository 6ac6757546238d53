/**
 * The scheduler, the pipeline's second stage: ResourceBinding → `spec.clusters`. It places the
 * binding by its placement (Divided replicas by weights or capacity, spread constraints, taints)
 * plus the clusters its dependents require, and assesses the graceful eviction tasks of clusters
 * the placement left. Its answer is stable: it is recomputed only when its inputs change (the
 * placement, replicas, requirements, the clusters' labels, taints, readiness...; see
 * {@link schedulingInputs}), never into a different answer on a resync. It writes `spec.clusters`,
 * `spec.gracefulEvictionTasks` and the `Scheduled` condition, only when they change.
 */
import { createHash } from 'node:crypto';
import {
  CLUSTERS,
  RESOURCE_BINDINGS,
  type Cluster,
  type PropagationPolicy,
  type ResourceBinding,
} from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { Controller } from '../../../machinery/controller/index.js';
import { ConflictError, NotFoundError } from '../../../machinery/errors/index.js';
import type { WorkqueueMetricsProvider } from '../../../machinery/workqueue/index.js';
import { place } from '../../scheduler/placement.js';
import {
  ANNOTATION_INTERPRETER_ERROR,
  withCondition,
  writeBindingStatus,
} from './binding-writer.js';
import { withoutReplicaInterpreter } from './custom-resource-kinds.js';
import { assessBindingEvictions, type EndedEviction } from './graceful-eviction.js';
import {
  enqueueAllBindings,
  templateOfBinding,
  typeOfBinding,
  type PipelineContext,
} from './pipeline-context.js';
import {
  scheduledCondition,
  scheduleOfBinding,
  scheduleOutcome,
  ScheduleReason,
  type ScheduleOutcome,
} from './schedule-outcome.js';
import type { ApplyResult } from './template-type.js';

export const ControllerName = 'binding-scheduler';

/** Who evicted a cluster gracefully (a task's `producer`, kept from before the split). */
export const EvictionProducer = 'propagation-controller';

/** Annotation on a ResourceBinding: the digest of the inputs it was last scheduled from. */
export const ANNOTATION_SCHEDULED_INPUTS = 'scheduler.flotilla.io/observed-inputs';

/** Options for {@link BindingScheduler}. */
export interface BindingSchedulerOptions {
  ctx: PipelineContext;
  /** Bindings scheduled at once (each mostly waits on its two writes). @defaultValue 32 */
  workers?: number;
  /** A graceful eviction's default grace period. @defaultValue 600 */
  gracefulEvictionTimeoutSeconds?: number | undefined;
}

/** ResourceBinding → `spec.clusters` (see the module comment). */
export class BindingScheduler {
  readonly controller: Controller;
  private readonly opts: BindingSchedulerOptions;
  private readonly ctx: PipelineContext;

  constructor(opts: BindingSchedulerOptions) {
    this.opts = opts;
    this.ctx = opts.ctx;
    const clusters = this.ctx.informers.for<Cluster>(CLUSTERS);
    const bindings = this.ctx.informers.for<ResourceBinding>(RESOURCE_BINDINGS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [clusters, bindings],
      reconcile: (k) => this.reconcile(k),
      logger: this.ctx.logger,
      workers: opts.workers ?? 32,
    });
    bindings.addEventHandler({
      onAdd: this.controller.enqueueObject,
      // a status change matters only to a graceful eviction (it waits for ready replicas)
      onUpdate: (o, n) => {
        if (
          JSON.stringify(o.spec) !== JSON.stringify(n.spec) ||
          JSON.stringify(o.metadata.annotations) !== JSON.stringify(n.metadata.annotations) ||
          (n.spec.gracefulEvictionTasks ?? []).length > 0 ||
          !n.status?.conditions?.some((c) => c.type === 'Scheduled')
        ) {
          this.controller.enqueueObject(n);
        }
      },
    });
    const all = (): void => enqueueAllBindings(this.ctx, (k) => this.controller.enqueue(k));
    clusters.addEventHandler({
      onAdd: all,
      onDelete: all,
      onUpdate: (o, n) => {
        if (clusterInputs(o, true) !== clusterInputs(n, true)) all();
      },
    });
  }

  /** Runs the scheduling workers until `signal` aborts (queue `binding-scheduler`). */
  run(signal: AbortSignal, metrics?: WorkqueueMetricsProvider): Promise<void> {
    return this.controller.run(signal, metrics);
  }

  /** Converges the binding `key`'s clusters, eviction tasks and Scheduled condition. */
  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const cached = this.ctx.informers.for<ResourceBinding>(RESOURCE_BINDINGS).get(key);
    try {
      return await this.converge(cached);
    } catch (err) {
      // the cache was behind (often this stage's own last write): decided again, once, from a
      // fresh read rather than after a rate-limited back-off
      if (!(err instanceof ConflictError) || !cached) throw err;
      const fresh = await this.ctx.client
        .resource<ResourceBinding>(RESOURCE_BINDINGS, cached.metadata.namespace)
        .get(cached.metadata.name ?? '')
        .catch((e: unknown) => {
          if (e instanceof NotFoundError) return undefined;
          throw e;
        });
      return this.converge(fresh);
    }
  }

  private async converge(
    cached: ResourceBinding | undefined,
  ): Promise<{ requeueAfterMs: number } | undefined> {
    const placement = cached?.spec.placement;
    // a binding being unbound (no placement) keeps its clusters until its members are clean
    if (!cached || cached.metadata.deletionTimestamp || !placement) return undefined;
    const b = structuredClone(cached);
    const clusters = this.ctx.informers.for<Cluster>(CLUSTERS).list();
    const inputs = schedulingInputs(b, clusters);
    const failed = b.metadata.annotations?.[ANNOTATION_INTERPRETER_ERROR];
    let schedule = scheduleOfBinding(b);
    let decision = b.spec.clusters;
    if (failed !== undefined) {
      // the members' copies and the binding's clusters stay as they are
      schedule = { ok: false, reason: ScheduleReason.InterpreterFailed, message: failed };
    } else if (
      inputs !== b.metadata.annotations?.[ANNOTATION_SCHEDULED_INPUTS] ||
      !schedule ||
      schedule.reason === ScheduleReason.InterpreterFailed
    ) {
      const placed = this.schedule(b, clusters);
      decision = placed.clusters;
      schedule = placed.outcome;
    }
    const t = typeOfBinding(this.ctx, b);
    const evictions = assessBindingEvictions(b, decision, clusters, resultsOf(b), {
      kind: t ?? { apiVersion: b.spec.resource.apiVersion, kind: b.spec.resource.kind },
      replicas: b.spec.replicas,
      producer: EvictionProducer,
      gracePeriodSeconds: this.opts.gracefulEvictionTimeoutSeconds,
    });
    const spec: ResourceBinding['spec'] = { ...b.spec, clusters: decision };
    delete spec.gracefulEvictionTasks;
    if (evictions.tasks.length > 0) spec.gracefulEvictionTasks = evictions.tasks;
    const annotations = {
      ...(b.metadata.annotations ?? {}),
      [ANNOTATION_SCHEDULED_INPUTS]: inputs,
    };
    let written = b;
    if (
      JSON.stringify(spec) !== JSON.stringify(b.spec) ||
      JSON.stringify(annotations) !== JSON.stringify(b.metadata.annotations ?? {})
    ) {
      written = await this.ctx.client
        .resource<ResourceBinding>(RESOURCE_BINDINGS, b.metadata.namespace)
        .update({ ...b, metadata: { ...b.metadata, annotations }, spec });
    }
    const condition = scheduledCondition(schedule);
    await writeBindingStatus(this.ctx.client, written, (s) => ({
      ...s,
      conditions: withCondition(s.conditions, condition),
    }));
    await this.evicted(b, evictions.ended);
    // event-driven otherwise: only a graceful eviction's grace period needs the clock
    return evictions.tasks.length > 0 ? { requeueAfterMs: this.ctx.resyncMs } : undefined;
  }

  /** Places the binding from scratch (its current clusters preferred). */
  private schedule(
    b: ResourceBinding,
    clusters: Cluster[],
  ): { clusters: ResourceBinding['spec']['clusters']; outcome: ScheduleOutcome } {
    const placement = b.spec.placement ?? {};
    // where it already is (a NoSchedule taint keeps those)
    const bound = new Set(b.spec.clusters.filter((c) => c.replicas !== 0).map((c) => c.name));
    const decision = this.ctx.latency.placement(() =>
      place(placement, clusters, b.spec.replicas, bound),
    );
    // a dependency (ConfigMap, CRD...) also goes wherever what requires it is
    const joined = new Set(clusters.map((c) => c.metadata.name ?? ''));
    const required = (b.spec.requiredBy ?? []).flatMap((r) => r.clusters.map((c) => c.name));
    for (const name of [...new Set(required)].sort()) {
      if (joined.has(name) && !decision.clusters.some((c) => c.name === name)) {
        decision.clusters.push({ name });
      }
    }
    const policy: PropagationPolicy = {
      apiVersion: 'policy.flotilla.io/v1alpha1',
      kind: 'PropagationPolicy',
      metadata: {
        name: b.spec.policy?.name ?? '',
        namespace: b.spec.policy?.namespace ?? b.metadata.namespace ?? 'default',
      },
      spec: { resourceSelectors: [], placement },
    };
    const placed = scheduleOutcome(policy, placement, clusters, decision);
    const t = typeOfBinding(this.ctx, b);
    const outcome =
      b.spec.replicas === undefined && t ? withoutReplicaInterpreter(t, policy, placed) : placed;
    return { clusters: decision.clusters, outcome };
  }

  /** Records the ended graceful evictions on the template. */
  private async evicted(b: ResourceBinding, ended: readonly EndedEviction[]): Promise<void> {
    if (ended.length === 0) return;
    const bound = templateOfBinding(this.ctx, b);
    const tmpl: KubeObject = bound?.tmpl ?? {
      apiVersion: b.spec.resource.apiVersion,
      kind: b.spec.resource.kind,
      metadata: {
        name: b.spec.resource.name,
        ...(b.spec.resource.namespace ? { namespace: b.spec.resource.namespace } : {}),
        ...(b.spec.resource.uid ? { uid: b.spec.resource.uid } : {}),
      },
    };
    await this.ctx.events.evicted(tmpl, ended);
  }
}

/** What of a cluster placements depend on (`capacity`: also its allocatable pods). */
function clusterInputs(c: Cluster, capacity: boolean): string {
  const ready = c.status?.conditions?.find((x) => x.type === 'Ready');
  return JSON.stringify([
    c.metadata.name,
    c.metadata.labels ?? {},
    c.metadata.deletionTimestamp ?? '',
    c.spec,
    `${ready?.status ?? ''}/${ready?.reason ?? ''}`,
    capacity ? (c.status?.resourceSummary?.allocatablePods ?? 0) : 0,
  ]);
}

/**
 * The digest of what a binding's placement is computed from: its placement, replicas and
 * requirements, and the joined clusters' labels, spec (taints, region...) and readiness (and
 * their capacity for a placement by available replicas). Not their heartbeats nor allocations:
 * a resync with the same inputs keeps the clusters the binding has.
 */
export function schedulingInputs(b: ResourceBinding, clusters: readonly Cluster[]): string {
  const dynamic =
    b.spec.placement?.replicaScheduling?.weightPreference?.dynamicWeight !== undefined;
  const data = JSON.stringify([
    b.spec.placement ?? {},
    b.spec.replicas ?? null,
    b.spec.requiredBy ?? [],
    [...clusters]
      .sort((x, y) => (x.metadata.name ?? '').localeCompare(y.metadata.name ?? ''))
      .map((c) => clusterInputs(c, dynamic)),
  ]);
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/** What each member reported in the binding's status (ready replicas, for graceful evictions). */
function resultsOf(b: ResourceBinding): ApplyResult[] {
  return (b.status?.aggregatedStatus ?? []).map((a) => ({
    cluster: a.clusterName,
    applied: a.applied,
    ...(a.status ? { object: { apiVersion: '', kind: '', metadata: {}, status: a.status } } : {}),
  }));
}
