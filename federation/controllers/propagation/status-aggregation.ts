import type { KubeObject } from '../../apis/meta.js';

/** Status fields summed across clusters for workloads. */
const SUMMED = [
  'replicas',
  'updatedReplicas',
  'readyReplicas',
  'availableReplicas',
  'unavailableReplicas',
];

/** Aggregates member statuses into the template's status (sums for workloads; first one otherwise). */
export function aggregateStatus(
  kind: string,
  perCluster: { cluster: string; status: Record<string, unknown> | undefined }[],
  generation: number | undefined,
): Record<string, unknown> | undefined {
  if (kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'StatefulSet') {
    const out: Record<string, unknown> = {};
    for (const f of SUMMED) {
      out[f] = perCluster.reduce(
        (n, c) => n + (typeof c.status?.[f] === 'number' ? c.status[f] : 0),
        0,
      );
    }
    if (generation !== undefined) out.observedGeneration = generation;
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
