import type { Cluster, ClusterSelector, Placement } from '../apis/index.js';
import { labelSelectorFromObject } from '../../machinery/selectors/index.js';
import { selectBySpread } from './spread-constraints.js';

/** True when the cluster's Ready condition is True. */
export function isClusterReady(c: Cluster): boolean {
  return c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true;
}

/** True when a cluster matches a selector (names and labels both, when given). */
export function clusterMatches(c: Cluster, sel: ClusterSelector | undefined): boolean {
  if (!sel) return true;
  const name = c.metadata.name ?? '';
  if (sel.exclude?.includes(name)) return false;
  if (sel.clusterNames && sel.clusterNames.length > 0 && !sel.clusterNames.includes(name)) {
    return false;
  }
  if (sel.labelSelector && !labelSelectorFromObject(sel.labelSelector).matches(c.metadata.labels)) {
    return false;
  }
  return true;
}

/**
 * Splits `total` by weights with the largest-remainder method; ties go to the larger weight,
 * then to the name (deterministic). 6 at 2:1 → 4 and 2.
 */
export function divideByWeight(
  total: number,
  weights: { name: string; weight: number }[],
): Map<string, number> {
  const out = new Map<string, number>();
  const positive = weights.filter((w) => w.weight > 0);
  const sum = positive.reduce((n, w) => n + w.weight, 0);
  if (sum === 0) return out;
  let assigned = 0;
  const rema: { name: string; rem: number; weight: number }[] = [];
  for (const w of positive) {
    const exact = (total * w.weight) / sum;
    const base = Math.floor(exact);
    out.set(w.name, base);
    assigned += base;
    rema.push({ name: w.name, rem: exact - base, weight: w.weight });
  }
  rema.sort((a, b) => b.rem - a.rem || b.weight - a.weight || a.name.localeCompare(b.name));
  for (let i = 0; i < total - assigned; i++) {
    const r = rema[i % rema.length];
    if (r) out.set(r.name, (out.get(r.name) ?? 0) + 1);
  }
  return out;
}

/** One placement decision: target clusters and, for divided workloads, their replicas. */
export interface PlacementDecision {
  clusters: { name: string; replicas?: number }[];
  /** Why nothing was placed when a spread constraint cannot be met (names the constraint). */
  unschedulable?: string;
}

/**
 * Chooses clusters for a template: clusters matching the affinity that are Ready (NotReady and
 * Offline clusters are left out, which is how replicas fail over and come back), then divides
 * `replicas` by static weights or available capacity when the policy says Divided.
 * Tainted clusters are left out: `NoExecute` always (what runs there is moved away), `NoSchedule`
 * only for new placements, so a cluster in `bound` (where the template already is) keeps it, as a
 * cordoned Karmada cluster keeps what it has. `spreadConstraints` then pick groups and clusters
 * among those (see {@link selectBySpread}), preferring `bound` ones so a resync keeps the choice.
 */
export function place(
  placement: Placement,
  clusters: Cluster[],
  replicas: number | undefined,
  bound: ReadonlySet<string> = new Set(),
): PlacementDecision {
  const filtered = clusters
    .filter(
      (c) =>
        !c.metadata.deletionTimestamp &&
        isClusterReady(c) &&
        clusterMatches(c, placement.clusterAffinity),
    )
    .filter(
      (c) =>
        !(c.spec.taints ?? []).some(
          (t) =>
            t.effect === 'NoExecute' ||
            (t.effect === 'NoSchedule' && !bound.has(c.metadata.name ?? '')),
        ),
    )
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const spread = selectBySpread(filtered, placement.spreadConstraints ?? [], bound);
  // as Karmada leaves a binding's clusters alone when scheduling fails, what runs stays put
  const unmet = 'unschedulable' in spread ? { unschedulable: spread.unschedulable } : {};
  const candidates =
    'unschedulable' in spread
      ? filtered.filter((c) => bound.has(c.metadata.name ?? ''))
      : spread.clusters;
  const rs = placement.replicaScheduling;
  if (replicas === undefined || !rs || rs.replicaSchedulingType === 'Duplicated') {
    return {
      clusters: candidates.map((c) => ({
        name: c.metadata.name ?? '',
        ...(replicas !== undefined ? { replicas } : {}),
      })),
      ...unmet,
    };
  }
  let weights: { name: string; weight: number }[];
  const stat = rs.weightPreference?.staticWeightList;
  if (rs.weightPreference?.dynamicWeight === 'AvailableReplicas') {
    weights = candidates.map((c) => ({
      name: c.metadata.name ?? '',
      weight: Math.max(
        0,
        (c.status?.resourceSummary?.allocatablePods ?? 0) -
          (c.status?.resourceSummary?.allocatedPods ?? 0),
      ),
    }));
  } else if (stat && stat.length > 0) {
    weights = candidates.map((c) => ({
      name: c.metadata.name ?? '',
      weight: stat.find((w) => clusterMatches(c, w.targetCluster))?.weight ?? 0,
    }));
  } else {
    weights = candidates.map((c) => ({ name: c.metadata.name ?? '', weight: 1 }));
  }
  const split = divideByWeight(replicas, weights);
  return {
    clusters: [...split].filter(([, n]) => n > 0).map(([name, n]) => ({ name, replicas: n })),
    ...unmet,
  };
}
