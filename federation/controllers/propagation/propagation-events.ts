/**
 * The propagation controller's events on templates (what `kubectl describe` and `kubectl get
 * events` show at the federation): where a template was scheduled, what each member made of it,
 * and why a member's rollout failed. Each is recorded when its outcome changes, not on every
 * resync; the recorder aggregates a repeat of the same event into its count.
 */
import type { EventRecorder } from '../../../api/index.js';
import type { DeploymentCondition } from '../../../api/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { ChangeGate } from './change-gate.js';
import type { ScheduleOutcome } from './schedule-outcome.js';
import type { ApplyResult } from './template-type.js';
import type { EndedEviction } from './graceful-eviction.js';

/** Event reasons recorded on templates. */
export const EventReason = {
  ScheduleBindingSucceeded: 'ScheduleBindingSucceeded',
  ScheduleBindingFailed: 'ScheduleBindingFailed',
  ApplyToClusterSucceeded: 'ApplyToClusterSucceeded',
  ApplyToClusterFailed: 'ApplyToClusterFailed',
  /** A member reports its rollout exceeded progressDeadlineSeconds. */
  ClusterRolloutFailed: 'ClusterRolloutFailed',
  /** A ResourceInterpreterCustomization's statusAggregation rule failed for the template. */
  AggregateStatusFailed: 'AggregateStatusFailed',
  /** A graceful eviction ended: the copy in the cluster it left is released. */
  EvictWorkloadFromClusterSucceeded: 'EvictWorkloadFromClusterSucceeded',
} as const;

/** Explains a member's failed rollout (e.g. its pods' waiting reasons); empty when unknown. */
export type Diagnose = (cluster: string, memberObject: KubeObject) => Promise<string[]>;

/** A member whose copy reports Progressing=False with ProgressDeadlineExceeded. */
function deadlineExceeded(r: ApplyResult): DeploymentCondition | undefined {
  const conds = (r.object?.status as { conditions?: DeploymentCondition[] } | undefined)
    ?.conditions;
  const p = conds?.find((c) => c.type === 'Progressing');
  return p?.status === 'False' && p.reason === 'ProgressDeadlineExceeded' ? p : undefined;
}

/** Records a template's scheduling, apply and member-rollout events, each once per change. */
export class PropagationEvents {
  private readonly recorder: EventRecorder;
  private readonly gate = new ChangeGate();
  private readonly diagnose: Diagnose;

  constructor(recorder: EventRecorder, diagnose: Diagnose = () => Promise.resolve([])) {
    this.recorder = recorder;
    this.diagnose = diagnose;
  }

  /** Records what a reconcile of `tmpl` came to: its schedule and each member's result. */
  async reconciled(
    tmpl: KubeObject,
    schedule: ScheduleOutcome,
    results: ApplyResult[],
  ): Promise<void> {
    const id = prefix(tmpl);
    const gen = String(tmpl.metadata.generation ?? 1);
    const what = `${tmpl.kind} ${tmpl.metadata.namespace ?? ''}/${tmpl.metadata.name ?? ''}`;
    const writes: Promise<void>[] = [];
    if (this.gate.changed(`${id}schedule`, `${schedule.reason}|${schedule.message}`)) {
      writes.push(
        schedule.ok
          ? this.recorder.event(
              tmpl,
              'Normal',
              EventReason.ScheduleBindingSucceeded,
              schedule.message,
            )
          : this.recorder.event(
              tmpl,
              'Warning',
              EventReason.ScheduleBindingFailed,
              schedule.message,
            ),
      );
    }
    for (const r of results) {
      if (r.pending) continue;
      const state = r.applied ? `ok|${gen}` : `failed|${r.message ?? ''}`;
      if (this.gate.changed(`${id}apply|${r.cluster}`, state)) {
        writes.push(
          r.applied
            ? this.recorder.event(
                tmpl,
                'Normal',
                EventReason.ApplyToClusterSucceeded,
                `Applied ${what} (generation ${gen}) to cluster ${r.cluster}`,
              )
            : this.recorder.event(
                tmpl,
                'Warning',
                EventReason.ApplyToClusterFailed,
                `Failed to apply ${what} to cluster ${r.cluster}: ${r.message ?? 'unknown error'}`,
              ),
        );
      }
      writes.push(this.rollout(tmpl, id, r));
    }
    await Promise.all(writes);
  }

  private async rollout(tmpl: KubeObject, id: string, r: ApplyResult): Promise<void> {
    const cond = r.applied ? deadlineExceeded(r) : undefined;
    const state = cond ? `${cond.message ?? ''}|${r.object?.metadata.generation ?? ''}` : '';
    if (!this.gate.changed(`${id}rollout|${r.cluster}`, state) || !cond || !r.object) return;
    const why = await this.diagnose(r.cluster, r.object).catch((err: unknown) => [
      `pods not readable: ${err instanceof Error ? err.message : String(err)}`,
    ]);
    await this.recorder.event(
      tmpl,
      'Warning',
      EventReason.ClusterRolloutFailed,
      `cluster ${r.cluster}: ${cond.reason ?? ''}: ${cond.message ?? ''}${why.length > 0 ? `; ${why.join('; ')}` : ''}`,
    );
  }

  /** Records that the template's status could not be aggregated (once per distinct message). */
  async aggregateStatusFailed(tmpl: KubeObject, message: string): Promise<void> {
    if (!this.gate.changed(`${prefix(tmpl)}aggregate`, message)) return;
    await this.recorder.event(tmpl, 'Warning', EventReason.AggregateStatusFailed, message);
  }

  /** Records each graceful eviction that ended (once per task). */
  async evicted(tmpl: KubeObject, ended: readonly EndedEviction[]): Promise<void> {
    const id = prefix(tmpl);
    const writes = ended.flatMap(({ task, why }) => {
      if (!this.gate.changed(`${id}evict|${task.fromCluster}`, task.creationTimestamp)) return [];
      const after =
        why === 'Ready'
          ? 'the new placement is ready'
          : 'the grace period passed before the new placement was ready';
      const message = `Evict from cluster ${task.fromCluster} succeeded (${task.reason}): ${after}`;
      return [
        this.recorder.event(tmpl, 'Normal', EventReason.EvictWorkloadFromClusterSucceeded, message),
      ];
    });
    await Promise.all(writes);
  }

  /** Forgets a template that is gone (its next incarnation has another uid anyway). */
  forget(tmpl: KubeObject): void {
    this.gate.forget(prefix(tmpl));
  }
}

const prefix = (tmpl: KubeObject): string => `${tmpl.metadata.uid ?? objectId(tmpl)}|`;
const objectId = (tmpl: KubeObject): string =>
  `${tmpl.kind}/${tmpl.metadata.namespace ?? ''}/${tmpl.metadata.name ?? ''}`;
