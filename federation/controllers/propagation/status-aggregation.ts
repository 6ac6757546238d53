import type { DaemonSet, DeploymentCondition, JobStatus } from '../../../api/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import {
  federatedDeploymentConditions,
  federatedObservedGeneration,
  type MemberWorkload,
} from './deployment-status.js';
import { aggregateJobStatus } from './job-status.js';
import { aggregateCronJobStatus, aggregateDaemonSetStatus } from './daemon-cron-status.js';

/** Status fields summed across clusters for workloads (and reported per cluster). */
const SUMMED = [
  'replicas',
  'updatedReplicas',
  'readyReplicas',
  'availableReplicas',
  'unavailableReplicas',
] as const;

/** One member's share of a workload, in the template's `status.clusters`. */
export interface ClusterWorkloadStatus {
  cluster: string;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  /** The generation the member's controller has seen of its copy. */
  observedGeneration?: number;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * Aggregates member statuses into the template's status: for workloads the standard totals
 * (summed) plus `clusters`, one entry per member with its own counts, in the order given (the
 * placement's, sorted by name). `observedGeneration` reaches the template's generation only once
 * every member observed it; a Deployment also gets `Available` / `Progressing` from its members'
 * (see {@link federatedDeploymentConditions}; `unscheduled` says why it is placed nowhere).
 * A Job's counts are summed (see {@link aggregateJobStatus}), a DaemonSet's too and a CronJob's
 * schedule times are the latest (see {@link aggregateDaemonSetStatus}). Other kinds have no
 * aggregated status.
 */
export function aggregateStatus(
  tmpl: KubeObject,
  members: MemberWorkload[],
  now: Date,
  unscheduled?: string,
): Record<string, unknown> | undefined {
  const kind = tmpl.kind;
  if (kind === 'Job') {
    return { ...aggregateJobStatus(members, tmpl.status as JobStatus | undefined, now) };
  }
  if (kind === 'DaemonSet') {
    const previous = tmpl.status as DaemonSet['status'];
    return { ...aggregateDaemonSetStatus(tmpl.metadata.generation, members, previous) };
  }
  if (kind === 'CronJob') return { ...aggregateCronJobStatus(members) };
  if (kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'StatefulSet') {
    const perCluster = members.map((m) => ({
      cluster: m.cluster,
      status: m.object?.status as Record<string, unknown> | undefined,
    }));
    const previous = tmpl.status as
      { observedGeneration?: number; conditions?: DeploymentCondition[] } | undefined;
    const out: Record<string, unknown> = {};
    const generation = tmpl.metadata.generation;
    const og =
      generation === undefined
        ? undefined
        : federatedObservedGeneration(generation, members, previous?.observedGeneration);
    if (og !== undefined) out.observedGeneration = og;
    for (const f of SUMMED) out[f] = perCluster.reduce((n, c) => n + num(c.status?.[f]), 0);
    if (kind === 'Deployment') {
      out.conditions = federatedDeploymentConditions(
        members,
        previous?.conditions,
        now,
        unscheduled,
      );
    }
    out.clusters = perCluster.map((c): ClusterWorkloadStatus => {
      const og = c.status?.observedGeneration;
      return {
        cluster: c.cluster,
        replicas: num(c.status?.replicas),
        updatedReplicas: num(c.status?.updatedReplicas),
        readyReplicas: num(c.status?.readyReplicas),
        availableReplicas: num(c.status?.availableReplicas),
        unavailableReplicas: num(c.status?.unavailableReplicas),
        ...(typeof og === 'number' ? { observedGeneration: og } : {}),
      };
    });
    return out;
  }
  return undefined;
}

/** Health of one member object. */
export function healthOf(obj: KubeObject | undefined): 'Healthy' | 'Unhealthy' | 'Unknown' {
  if (!obj) return 'Unknown';
  if (obj.kind === 'Deployment') {
    const spec = obj.spec as { replicas?: number } | undefined;
    const st = obj.status as { availableReplicas?: number } | undefined;
    return (st?.availableReplicas ?? 0) >= (spec?.replicas ?? 1) ? 'Healthy' : 'Unhealthy';
  }
  return 'Healthy';
}
