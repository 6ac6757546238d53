/**
 * The binding controller, the pipeline's third stage: ResourceBinding with clusters → member
 * copies. For each cluster of `spec.clusters` it revises the template's replicas (resource
 * interpreter), applies the override policies and writes the copy: a Work in `fed-es-<cluster>`
 * for a Pull member, the member's execution queue for a Push member (retryable member errors are
 * retried there with back-off; the rest come back as failed results). Clusters no longer in
 * `spec.clusters` are released (kept while a graceful eviction task holds them; listed in the
 * aggregated status until released). It writes the binding's `aggregatedStatus` and
 * `FullyApplied` condition, the template's status, and the templates' events.
 */
import {
  CLUSTERS,
  OVERRIDE_POLICIES,
  RESOURCE_BINDINGS,
  RESOURCE_INTERPRETER_CUSTOMIZATIONS,
  WORKS,
  type Cluster,
  type OverridePolicy,
  type ResourceBinding,
  type Work,
} from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { Controller } from '../../../machinery/controller/index.js';
import { WrittenObjects } from '../../../machinery/informer/index.js';
import type { WorkqueueMetricsProvider } from '../../../machinery/workqueue/index.js';
import type { InterpreterRuleError } from '../../interpreter/interpreter-errors.js';
import { isClusterReady } from '../../scheduler/placement.js';
import {
  aggregatedStatusOf,
  fullyApplied,
  withCondition,
  writeBindingStatus,
  writeTemplateStatus,
  type Written,
} from './binding-writer.js';
import { copyCustomResourceStatus } from './custom-resource-status.js';
import type { MemberApplier } from './member-apply.js';
import type { MemberExecution } from './member-execution.js';
import {
  bindingKeyOfTemplate,
  enqueueAllBindings,
  templateOfBinding,
  type PipelineContext,
} from './pipeline-context.js';
import { interpreterFailed, revisedTemplates, statusAggregator } from './replica-revision.js';
import { scheduleOfBinding, ScheduleReason, type ScheduleOutcome } from './schedule-outcome.js';
import { RELEASE_DELETE, type TemplateCleanup } from './template-cleanup.js';
import { bindingKey, templateKey, type ApplyResult, type TemplateType } from './template-type.js';
import { templateOfWork } from './work-writer.js';

export const ControllerName = 'binding-controller';

/** Options for {@link BindingController}. */
export interface BindingControllerOptions {
  ctx: PipelineContext;
  members: MemberApplier;
  cleanup: TemplateCleanup;
  execution: MemberExecution;
  /**
   * Bindings reconciled at once. Each mostly waits on federation round trips (Push members'
   * writes are queued per member), so many overlap. @defaultValue 32
   */
  workers?: number;
  /**
   * How long the status waits for members whose first write is still under way before it is
   * written with them shown as waiting. @defaultValue {@link STATUS_HOLD_MS}
   */
  statusHoldMs?: number;
  /** Clock (tests). @defaultValue Date.now */
  now?: () => number;
}

/**
 * While a member's first write of a copy is under way, its outcome brings the binding back within
 * moments: the status is written once every member has answered rather than once per answer (a
 * ConfigMap placed in three members had its binding's status written four times, now twice),
 * unless they take longer than this.
 */
export const STATUS_HOLD_MS = 5_000;

/** ResourceBinding with clusters → member copies, status and events (see the module comment). */
export class BindingController {
  readonly controller: Controller;
  private readonly opts: BindingControllerOptions;
  private readonly ctx: PipelineContext;
  private readonly statusHoldMs: number;
  private readonly now: () => number;
  /** Binding key → since when its status write waits for members' first writes. */
  private readonly heldSince = new Map<string, number>();
  /**
   * The bindings and templates whose status this controller wrote, until its informers have it
   * (both by binding key: a template has one binding).
   */
  private readonly bindingsWritten = new WrittenObjects<ResourceBinding>();
  private readonly templatesWritten = new WrittenObjects<KubeObject>();

  constructor(opts: BindingControllerOptions) {
    this.opts = opts;
    this.ctx = opts.ctx;
    this.statusHoldMs = opts.statusHoldMs ?? STATUS_HOLD_MS;
    this.now = opts.now ?? ((): number => Date.now());
    const { informers } = this.ctx;
    const clusters = informers.for<Cluster>(CLUSTERS);
    const bindings = informers.for<ResourceBinding>(RESOURCE_BINDINGS);
    const ops = informers.for<OverridePolicy>(OVERRIDE_POLICIES);
    const rics = informers.for(RESOURCE_INTERPRETER_CUSTOMIZATIONS);
    const works = informers.for<Work>(WORKS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [clusters, bindings, ops, rics, works],
      reconcile: (k) => this.reconcile(k),
      logger: this.ctx.logger,
      workers: opts.workers ?? 32,
    });
    bindings.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
    });
    const all = (): void => this.enqueueAll();
    clusters.addEventHandler({
      onAdd: all,
      onDelete: (c) => {
        opts.execution.dropCluster(c.metadata.name ?? '');
        all();
      },
      onUpdate: (o, n) => {
        // back (Ready again): what waits out a back-off for it is retried now
        if (readyReason(o) !== readyReason(n) && isClusterReady(n)) {
          opts.execution.retryNow(n.metadata.name ?? '');
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
    // what an agent reported (or a Work vanishing) brings its binding back
    const fromWork = (w: Work): void => {
      const ref = templateOfWork(w);
      const t = ref && this.ctx.types().find((x) => x.kind.toLowerCase() === ref.kind);
      if (!t || !ref) return;
      const key = `${t.gvr.group}/${t.gvr.resource}|${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
      this.changed(key);
    };
    works.addEventHandler({ onUpdate: (_o, n) => fromWork(n), onDelete: fromWork });
    ops.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
    // a customization changes how its kind is revised and its status aggregated
    rics.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
  }

  /** Runs the binding workers until `signal` aborts (queue `binding-controller`). */
  run(signal: AbortSignal, metrics?: WorkqueueMetricsProvider): Promise<void> {
    return this.controller.run(signal, metrics);
  }

  /** Something about the template `key`'s copies changed (a member's write or report). */
  changed(key: string): void {
    const b = bindingKeyOfTemplate(this.ctx, key);
    if (b !== undefined) this.controller.enqueue(b);
  }

  /** Re-checks every binding. */
  enqueueAll(): void {
    enqueueAllBindings(this.ctx, (k) => this.controller.enqueue(k));
  }

  /** Converges the binding `key`'s member copies, status and events. */
  async reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const held = this.heldSince.get(key);
    this.heldSince.delete(key);
    const b = this.bindingsWritten.latest(
      key,
      this.ctx.informers.for<ResourceBinding>(RESOURCE_BINDINGS).get(key),
    );
    // no placement: the resource detector is unbinding it (cleaning its members up)
    if (!b || b.metadata.deletionTimestamp || !b.spec.placement) {
      this.templatesWritten.forget(key);
      return undefined;
    }
    const bound = templateOfBinding(this.ctx, b);
    // a template gone or being deleted is cleaned up by the resource detector
    if (!bound || bound.tmpl.metadata.deletionTimestamp) return undefined;
    if (bindingKey(bound.t, bound.tmpl) !== key) return undefined;
    const schedule = scheduleOfBinding(b);
    // not scheduled yet, or the interpreter failed: the members' copies stay as they are
    if (!schedule || schedule.reason === ScheduleReason.InterpreterFailed) return undefined;
    const { t } = bound;
    const tmpl = this.templatesWritten.latest(key, bound.tmpl) ?? bound.tmpl;
    const resync = { requeueAfterMs: this.ctx.resyncMs };
    // every cluster the scheduler named, also with 0 replicas (a Deployment scaled to 0 is still
    // there, as in Karmada's Duplicated placement)
    const targets = b.spec.clusters;
    const divided = b.spec.placement.replicaScheduling?.replicaSchedulingType === 'Divided';
    const revised = revisedTemplates(this.ctx.interpreter, tmpl, targets, divided);
    if (!revised.ok) {
      await this.interpreterFailed(b, tmpl, revised.error);
      return resync;
    }
    const clusters = this.ctx.informers.for<Cluster>(CLUSTERS).list();
    const ops = this.ctx.informers
      .for<OverridePolicy>(OVERRIDE_POLICIES)
      .list(tmpl.metadata.namespace);
    // members are independent: Pull members' Works are written at once, Push members' writes
    // queued in each member's own execution queue (a slow member delays no other, nor this)
    const results: ApplyResult[] = await Promise.all(
      targets.flatMap((target) => {
        const cluster = clusters.find((c) => c.metadata.name === target.name);
        const copy = revised.value.get(target.name);
        const cr = b.spec.conflictResolution;
        return cluster
          ? [this.opts.members.apply(cluster, t, tmpl, target.replicas, ops, cr, copy)]
          : [];
      }),
    );
    const releasing = this.release(b, t, tmpl, clusters);
    if (results.some((r) => r.pending)) {
      const since = held ?? this.now();
      const left = since + this.statusHoldMs - this.now();
      if (left > 0) {
        this.heldSince.set(key, since);
        await this.ctx.events.reconciled(tmpl, schedule, results);
        return { requeueAfterMs: Math.min(left, this.ctx.resyncMs) };
      }
    }
    const wrote = await writeBindingStatus(this.ctx.client, b, (s) => ({
      ...s,
      aggregatedStatus: [
        ...aggregatedStatusOf(results),
        ...releasing.map((name) => ({
          clusterName: name,
          applied: false,
          appliedMessage: `being released from cluster ${name}`,
        })),
      ],
      conditions: withCondition(s.conditions, fullyApplied(schedule, results)),
    }));
    if (wrote) this.bindingsWritten.wrote(key, wrote.from, wrote.written);
    const tmplWrote = await this.templateStatus(t, tmpl, results, schedule);
    if (tmplWrote) this.templatesWritten.wrote(key, tmplWrote.from, tmplWrote.written);
    await this.ctx.events.reconciled(tmpl, schedule, results);
    return resync;
  }

  /**
   * Releases the template's copies in clusters the binding no longer names (and no graceful
   * eviction keeps), through the members' queues: the ones it held before (its aggregated status)
   * and any member cache holding a copy of it.
   * @returns the clusters still being released
   */
  private release(
    b: ResourceBinding,
    t: TemplateType,
    tmpl: KubeObject,
    clusters: Cluster[],
  ): string[] {
    const keep = new Set([
      ...b.spec.clusters.map((c) => c.name),
      ...(b.spec.gracefulEvictionTasks ?? []).map((e) => e.fromCluster),
    ]);
    const held = [
      ...(b.status?.aggregatedStatus ?? []).map((a) => a.clusterName),
      ...b.spec.clusters.map((c) => c.name),
      ...this.opts.cleanup.cachedCopies(t, tmpl, clusters),
    ];
    const key = templateKey(t, tmpl);
    return [...new Set(held)]
      .filter((n) => !keep.has(n))
      .filter((name) => {
        const cluster = clusters.find((c) => c.metadata.name === name);
        const i = { op: 'release', cluster, t, tmpl, release: RELEASE_DELETE } as const;
        return cluster !== undefined && !this.opts.execution.release(key, { ...i, cluster });
      });
  }

  /** Aggregates the members' status into the template's. @returns the built-in kinds' write */
  private async templateStatus(
    t: TemplateType,
    tmpl: KubeObject,
    results: ApplyResult[],
    schedule: ScheduleOutcome,
  ): Promise<Written<KubeObject> | undefined> {
    if (t.status && t.crd !== undefined) {
      const failed: InterpreterRuleError[] = [];
      const aggregate = statusAggregator(this.ctx.interpreter, failed);
      await copyCustomResourceStatus(this.ctx.client, t, tmpl, results, aggregate);
      for (const e of failed) await this.ctx.events.aggregateStatusFailed(tmpl, e.message);
      return undefined;
    }
    return t.status ? writeTemplateStatus(this.ctx.client, t, tmpl, results, schedule) : undefined;
  }

  /**
   * A customization's revision rule failed: not retried (a change of the customization or the
   * template brings it back); FullyApplied and an event say why, the members are left alone.
   */
  private async interpreterFailed(
    b: ResourceBinding,
    tmpl: KubeObject,
    err: InterpreterRuleError,
  ): Promise<void> {
    const outcome = interpreterFailed(err);
    await writeBindingStatus(this.ctx.client, b, (s) => ({
      ...s,
      conditions: withCondition(s.conditions, fullyApplied(outcome, [])),
    }));
    await this.ctx.events.reconciled(tmpl, outcome, []);
  }
}

function readyReason(c: Cluster): string {
  const r = c.status?.conditions?.find((x) => x.type === 'Ready');
  return `${r?.status ?? ''}/${r?.reason ?? ''}`;
}
