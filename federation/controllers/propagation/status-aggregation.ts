import type { KubeObject } from '../../../machinery/meta.js';

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
 * placement's, sorted by name). Other kinds have no aggregated status.
 */
export function aggregateStatus(
  kind: string,
  perCluster: { cluster: string; status: Record<string, unknown> | undefined }[],
  generation: number | undefined,
): Record<string, unknown> | undefined {
  if (kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'StatefulSet') {
    const out: Record<string, unknown> = {};
    for (const f of SUMMED) out[f] = perCluster.reduce((n, c) => n + num(c.status?.[f]), 0);
    if (generation !== undefined) out.observedGeneration = generation;
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
