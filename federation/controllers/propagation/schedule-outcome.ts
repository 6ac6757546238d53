import type { Cluster, Placement, PropagationPolicy, ResourceBinding } from '../../apis/index.js';
import type { Condition } from '../../../machinery/meta.js';
import type { PlacementDecision } from '../../scheduler/placement.js';

/** ResourceBinding `Scheduled` condition reasons. */
export const ScheduleReason = {
  Success: 'Success',
  /** The policy names a cluster that is not joined. */
  ClusterNotFound: 'ClusterNotFound',
  /**
   * No joined cluster fits the placement (none Ready, all excluded or tainted), or its spread
   * constraints cannot be met (fewer groups than `minGroups`).
   */
  NoClusterFit: 'NoClusterFit',
  /** Placed Duplicated although the policy asks for Divided: the kind has no replicas interpreter. */
  NoReplicaInterpreter: 'NoReplicaInterpreter',
  /**
   * A ResourceInterpreterCustomization's rule for the kind failed (not retried: fixed by
   * changing the customization or the template).
   */
  InterpreterFailed: 'InterpreterFailed',
} as const;

/** How a placement went, for the binding's `Scheduled` condition and the schedule events. */
export interface ScheduleOutcome {
  ok: boolean;
  reason: (typeof ScheduleReason)[keyof typeof ScheduleReason];
  message: string;
}

/**
 * Judges a placement decision: failed when a cluster named in `clusterAffinity.clusterNames` is
 * not joined (even if the others were placed: the user asked for it) or when nothing was placed;
 * otherwise which clusters, and replicas, the template went to. Pure.
 */
export function scheduleOutcome(
  policy: PropagationPolicy,
  placement: Placement,
  clusters: Cluster[],
  decision: PlacementDecision,
): ScheduleOutcome {
  const joined = new Set(clusters.map((c) => c.metadata.name ?? ''));
  const missing = (placement.clusterAffinity?.clusterNames ?? []).filter((n) => !joined.has(n));
  const pp = `PropagationPolicy ${policy.metadata.namespace ?? ''}/${policy.metadata.name ?? ''}`;
  const placed = decision.clusters
    .map((c) => (c.replicas !== undefined ? `${c.name} (${String(c.replicas)})` : c.name))
    .join(', ');
  const where = placed ? `placed in ${placed}` : 'placed in no cluster';
  if (missing.length > 0) {
    return {
      ok: false,
      reason: ScheduleReason.ClusterNotFound,
      message: `cluster(s) ${missing.join(', ')} named by ${pp} do not exist; ${where}`,
    };
  }
  if (decision.unschedulable !== undefined) {
    return {
      ok: false,
      reason: ScheduleReason.NoClusterFit,
      message: `${decision.unschedulable} (placement of ${pp}); ${where}`,
    };
  }
  if (decision.clusters.length === 0) {
    return {
      ok: false,
      reason: ScheduleReason.NoClusterFit,
      message: `no cluster fits the placement of ${pp} (${String(clusters.length)} joined)`,
    };
  }
  return { ok: true, reason: ScheduleReason.Success, message: `${where} by ${pp}` };
}

/** The binding's `Scheduled` condition saying `o`. */
export function scheduledCondition(o: ScheduleOutcome): Condition {
  return {
    type: 'Scheduled',
    status: o.ok ? 'True' : 'False',
    reason: o.reason,
    message: o.message,
  };
}

/** What a binding's `Scheduled` condition says, once the scheduler has written it. */
export function scheduleOfBinding(b: ResourceBinding): ScheduleOutcome | undefined {
  const c = b.status?.conditions?.find((x) => x.type === 'Scheduled');
  if (!c) return undefined;
  const reasons: readonly string[] = Object.values(ScheduleReason);
  const reason = reasons.includes(c.reason ?? '')
    ? (c.reason as ScheduleOutcome['reason'])
    : ScheduleReason.Success;
  return { ok: c.status === 'True', reason, message: c.message ?? '' };
}
