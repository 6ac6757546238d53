/**
 * The Deployment-specific part of a federated workload's status: the conditions `kubectl rollout
 * status` and `kubectl wait --for=condition=Available` read, derived from the members' own.
 */
import type { DeploymentCondition } from '../../../api/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { ANNOTATION_GENERATION } from './member-object.js';

/** Condition reasons of a federated Deployment (Kubernetes' deployment util, plus two of ours). */
export const FederatedReason = {
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  /** The template is placed in no cluster (see the ResourceBinding's Scheduled condition). */
  NotScheduled: 'NotScheduled',
} as const;

/** One member's copy of a template, as the propagation controller last saw it. */
export interface MemberWorkload {
  cluster: string;
  /** The member object (push: the watched copy; pull: the manifest with the agent's status). */
  object: KubeObject | undefined;
}

interface WorkloadStatus {
  observedGeneration?: number;
  conditions?: DeploymentCondition[];
}

const statusOf = (o: KubeObject | undefined): WorkloadStatus | undefined =>
  o?.status as WorkloadStatus | undefined;

/**
 * True when the member's controller has acted on the template at `generation`: the copy was
 * written from that generation (its template-generation annotation) and the member observed the
 * copy's own generation. A pull member's copy carries no member generation: its status counts.
 */
export function memberObserved(generation: number, object: KubeObject | undefined): boolean {
  if (!object) return false;
  if (object.metadata.annotations?.[ANNOTATION_GENERATION] !== String(generation)) return false;
  const st = statusOf(object);
  if (object.metadata.generation === undefined) return st !== undefined;
  return (st?.observedGeneration ?? 0) >= object.metadata.generation;
}

/**
 * The federated `status.observedGeneration`: the template's generation once every member has
 * observed it (and there is at least one), else the value it had (a rollout waits on it).
 */
export function federatedObservedGeneration(
  generation: number,
  members: MemberWorkload[],
  previous: number | undefined,
): number | undefined {
  if (members.length > 0 && members.every((m) => memberObserved(generation, m.object))) {
    return generation;
  }
  return previous;
}

const cond = (o: KubeObject | undefined, type: string): DeploymentCondition | undefined =>
  statusOf(o)?.conditions?.find((c) => c.type === type);

/** Keeps the previous condition's times while its status (transition) / content (update) stay. */
function withTimes(
  next: DeploymentCondition,
  old: DeploymentCondition | undefined,
  now: string,
): DeploymentCondition {
  const sameStatus = old?.status === next.status;
  const same = sameStatus && old.reason === next.reason && old.message === next.message;
  return {
    ...next,
    lastUpdateTime: same ? (old.lastUpdateTime ?? now) : now,
    lastTransitionTime: sameStatus ? (old.lastTransitionTime ?? now) : now,
  };
}

/**
 * `Available` and `Progressing` of a federated Deployment from its members' conditions:
 * Available is True when every member's copy is Available, else False naming the members that are
 * not; Progressing is False with ProgressDeadlineExceeded (and the members' messages) when any
 * member reports it, True with NewReplicaSetAvailable when every member finished, else True with
 * ReplicaSetUpdated. A template placed nowhere is neither (reason NotScheduled, `unscheduled`
 * says why). Times carry over from `previous` while a condition does not change. Pure.
 */
export function federatedDeploymentConditions(
  members: MemberWorkload[],
  previous: DeploymentCondition[] | undefined,
  now: Date,
  unscheduled = 'not placed in any cluster',
): DeploymentCondition[] {
  const ts = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const old = (type: string): DeploymentCondition | undefined =>
    previous?.find((c) => c.type === type);
  let available: DeploymentCondition;
  let progressing: DeploymentCondition;
  if (members.length === 0) {
    available = {
      type: 'Available',
      status: 'False',
      reason: FederatedReason.NotScheduled,
      message: unscheduled,
    };
    progressing = {
      type: 'Progressing',
      status: 'False',
      reason: FederatedReason.NotScheduled,
      message: unscheduled,
    };
  } else {
    const notAvailable = members.filter((m) => cond(m.object, 'Available')?.status !== 'True');
    available =
      notAvailable.length === 0
        ? {
            type: 'Available',
            status: 'True',
            reason: FederatedReason.MinimumReplicasAvailable,
            message: 'Deployment has minimum availability in every cluster.',
          }
        : {
            type: 'Available',
            status: 'False',
            reason: FederatedReason.MinimumReplicasUnavailable,
            message: `Deployment does not have minimum availability in cluster(s) ${notAvailable.map((m) => m.cluster).join(', ')}.`,
          };
    const exceeded = members.filter(
      (m) => cond(m.object, 'Progressing')?.reason === FederatedReason.ProgressDeadlineExceeded,
    );
    const done = members.every(
      (m) => cond(m.object, 'Progressing')?.reason === FederatedReason.NewReplicaSetAvailable,
    );
    progressing =
      exceeded.length > 0
        ? {
            type: 'Progressing',
            status: 'False',
            reason: FederatedReason.ProgressDeadlineExceeded,
            message: exceeded
              .map((m) => `cluster ${m.cluster}: ${cond(m.object, 'Progressing')?.message ?? ''}`)
              .join('; '),
          }
        : done
          ? {
              type: 'Progressing',
              status: 'True',
              reason: FederatedReason.NewReplicaSetAvailable,
              message: 'Deployment has successfully progressed in every cluster.',
            }
          : {
              type: 'Progressing',
              status: 'True',
              reason: FederatedReason.ReplicaSetUpdated,
              message: 'Deployment is progressing in its clusters.',
            };
  }
  return [
    withTimes(available, old('Available'), ts),
    withTimes(progressing, old('Progressing'), ts),
  ];
}
