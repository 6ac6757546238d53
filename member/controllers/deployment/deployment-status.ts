import type { Deployment, DeploymentCondition, ReplicaSet } from '../../../api/index.js';
import { surgeAndUnavailable } from './rollout.js';

/** Deployment condition reasons (as in Kubernetes' deployment util). */
export const Reason = {
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  DeploymentPaused: 'DeploymentPaused',
} as const;

/** The computed status, and when to look again for the progress deadline. */
export interface DeploymentStatusResult {
  status: NonNullable<Deployment['status']>;
  /** Set while a rollout is in progress: re-check the deadline after this long. */
  recheckAfterMs?: number;
}

function withTimes(
  old: DeploymentCondition | undefined,
  next: DeploymentCondition,
  now: string,
  progressed: boolean,
): DeploymentCondition {
  const sameStatus = old?.status === next.status;
  const sameReason = sameStatus && old.reason === next.reason;
  return {
    ...next,
    lastUpdateTime: sameReason && !progressed ? (old.lastUpdateTime ?? now) : now,
    lastTransitionTime: sameStatus ? (old.lastTransitionTime ?? now) : now,
  };
}

/**
 * Status of a Deployment from its ReplicaSets: counts, `Available` (at least replicas-maxUnavailable
 * available pods) and `Progressing` (True while the rollout moves, False with
 * ProgressDeadlineExceeded when it has not moved for progressDeadlineSeconds). Pure.
 */
export function deploymentStatus(
  d: Deployment,
  newRs: ReplicaSet | undefined,
  olds: ReplicaSet[],
  now: Date,
): DeploymentStatusResult {
  const all = newRs ? [newRs, ...olds] : olds;
  const sum = (f: (rs: ReplicaSet) => number | undefined): number =>
    all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
  const replicas = d.spec.replicas ?? 1;
  const available = sum((rs) => rs.status?.availableReplicas);
  const counts = {
    replicas: sum((rs) => rs.status?.replicas),
    updatedReplicas: newRs?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicas - available),
  };
  const ts = now.toISOString();
  const prev = (type: string): DeploymentCondition | undefined =>
    d.status?.conditions?.find((c) => c.type === type);
  const isAvailable = available >= replicas - surgeAndUnavailable(d).unavailable;
  const availableCond = withTimes(
    prev('Available'),
    {
      type: 'Available',
      status: isAvailable ? 'True' : 'False',
      reason: isAvailable ? Reason.MinimumReplicasAvailable : Reason.MinimumReplicasUnavailable,
      message: isAvailable
        ? 'Deployment has minimum availability.'
        : 'Deployment does not have minimum availability.',
    },
    ts,
    false,
  );
  const rsName = newRs?.metadata.name ?? '';
  const complete =
    newRs !== undefined &&
    counts.updatedReplicas === replicas &&
    available === replicas &&
    counts.replicas === replicas;
  const progressed = prev('Progressing') !== undefined && !sameCounts(d.status, counts);
  const oldProgress = prev('Progressing');
  let progressing: DeploymentCondition;
  let recheckAfterMs: number | undefined;
  if (d.spec.paused === true) {
    progressing = {
      type: 'Progressing',
      status: 'Unknown',
      reason: Reason.DeploymentPaused,
      message: 'Deployment is paused',
    };
  } else if (complete) {
    progressing = {
      type: 'Progressing',
      status: 'True',
      reason: Reason.NewReplicaSetAvailable,
      message: `ReplicaSet "${rsName}" has successfully progressed.`,
    };
  } else {
    const deadlineMs = (d.spec.progressDeadlineSeconds ?? 600) * 1000;
    const since =
      oldProgress?.status === 'True' &&
      oldProgress.reason === Reason.ReplicaSetUpdated &&
      !progressed
        ? Date.parse(oldProgress.lastUpdateTime ?? ts)
        : now.getTime();
    const exceeded =
      oldProgress?.reason === Reason.ProgressDeadlineExceeded && !progressed
        ? true
        : now.getTime() - since > deadlineMs;
    progressing = exceeded
      ? {
          type: 'Progressing',
          status: 'False',
          reason: Reason.ProgressDeadlineExceeded,
          message: `ReplicaSet "${rsName}" has timed out progressing.`,
        }
      : {
          type: 'Progressing',
          status: 'True',
          reason: Reason.ReplicaSetUpdated,
          message: `ReplicaSet "${rsName}" is progressing.`,
        };
    if (!exceeded) recheckAfterMs = Math.max(1000, since + deadlineMs - now.getTime() + 1);
  }
  const status: NonNullable<Deployment['status']> = {
    observedGeneration: d.metadata.generation ?? 1,
    ...counts,
    conditions: [availableCond, withTimes(oldProgress, progressing, ts, progressed)],
  };
  return recheckAfterMs === undefined ? { status } : { status, recheckAfterMs };
}

function sameCounts(old: Deployment['status'], c: Record<string, number>): boolean {
  return Object.entries(c).every(
    ([k, v]) => (old as Record<string, unknown> | undefined)?.[k] === v,
  );
}
