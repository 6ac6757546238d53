/**
 * `placement.spreadConstraints` (Karmada's shape): groups the candidate clusters by a topology
 * field or a label, picks between `minGroups` and `maxGroups` groups, then clusters in them
 * (bounded by a `spreadByField: cluster` constraint). Deterministic, and groups and clusters the
 * template is already bound to come first, so a resync never reshuffles a placement.
 */
import type { Cluster, SpreadConstraint } from '../apis/index.js';

/** Cluster labels read when the Cluster's spec has no region or zone (as the DNS resolver does). */
export const LABEL_TOPOLOGY_REGION = 'topology.kubernetes.io/region';
/** See {@link LABEL_TOPOLOGY_REGION}. */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/** The group a cluster belongs to under a constraint; undefined when it has no value for it. */
export function groupOf(c: Cluster, by: SpreadConstraint): string | undefined {
  const labels = c.metadata.labels ?? {};
  switch (by.spreadByField) {
    case 'cluster':
      return c.metadata.name;
    case 'region':
      return c.spec.region ?? labels[LABEL_TOPOLOGY_REGION];
    case 'zone':
      return c.spec.zone ?? labels[LABEL_TOPOLOGY_ZONE];
    case 'provider':
      return c.spec.provider;
    default:
      return by.spreadByLabel !== undefined ? labels[by.spreadByLabel] : undefined;
  }
}

/** What a constraint says, for messages: `spreadByField region, minGroups 2`. */
export function describeConstraint(c: SpreadConstraint): string {
  const by = c.spreadByField
    ? `spreadByField ${c.spreadByField}`
    : `spreadByLabel ${c.spreadByLabel ?? ''}`;
  const min = c.minGroups !== undefined ? `, minGroups ${String(c.minGroups)}` : '';
  const max = c.maxGroups !== undefined ? `, maxGroups ${String(c.maxGroups)}` : '';
  return `${by}${min}${max}`;
}

/** The clusters a spread selects, or why none can be. */
export type SpreadSelection = { clusters: Cluster[] } | { unschedulable: string };

interface Group {
  name: string;
  clusters: Cluster[];
  bound: number;
  free: number;
}

const nameOf = (c: Cluster): string => c.metadata.name ?? '';
const freeOf = (c: Cluster): number =>
  Math.max(
    0,
    (c.status?.resourceSummary?.allocatablePods ?? 0) -
      (c.status?.resourceSummary?.allocatedPods ?? 0),
  );

/** Groups in the order they are chosen: most bound clusters, most free pods, most clusters, name. */
function groupsOf(
  candidates: Cluster[],
  by: SpreadConstraint,
  bound: ReadonlySet<string>,
): Group[] {
  const groups = new Map<string, Group>();
  for (const c of candidates) {
    const g = groupOf(c, by);
    if (g === undefined || g === '') continue; // a cluster outside every group is not spread to
    const group = groups.get(g) ?? { name: g, clusters: [], bound: 0, free: 0 };
    group.clusters.push(c);
    if (bound.has(nameOf(c))) group.bound++;
    group.free += freeOf(c);
    groups.set(g, group);
  }
  for (const g of groups.values()) {
    g.clusters.sort(
      (a, b) =>
        Number(bound.has(nameOf(b))) - Number(bound.has(nameOf(a))) ||
        nameOf(a).localeCompare(nameOf(b)),
    );
  }
  return [...groups.values()].sort(
    (a, b) =>
      b.bound - a.bound ||
      b.free - a.free ||
      b.clusters.length - a.clusters.length ||
      a.name.localeCompare(b.name),
  );
}

/** Takes clusters from the groups in turn (so each chosen group gets one first), up to `max`. */
function roundRobin(groups: Group[], max: number): Cluster[] {
  const out: Cluster[] = [];
  for (let i = 0; out.length < max; i++) {
    const row = groups.flatMap((g) => g.clusters.slice(i, i + 1));
    if (row.length === 0) break;
    out.push(...row.slice(0, max - out.length));
  }
  return out;
}

/**
 * Selects clusters among `candidates` (already filtered) so that they span at least `minGroups`
 * and at most `maxGroups` groups of the grouping constraint (region, zone, provider or a label;
 * without one, each cluster is a group), and number between the `cluster` constraint's bounds.
 * Every cluster of the chosen groups is taken unless a `cluster` constraint caps the number.
 * Validation allows at most one grouping constraint besides `cluster`. Pure.
 */
export function selectBySpread(
  candidates: Cluster[],
  constraints: SpreadConstraint[],
  bound: ReadonlySet<string> = new Set(),
): SpreadSelection {
  const byCluster = constraints.find((c) => c.spreadByField === 'cluster');
  const grouping = constraints.find((c) => c.spreadByField !== 'cluster') ?? byCluster;
  if (!grouping) return { clusters: candidates };
  const clusterBound = grouping === byCluster ? undefined : byCluster;
  const groups = groupsOf(candidates, grouping, bound);
  const minGroups = grouping.minGroups ?? 1;
  const fail = (c: SpreadConstraint, why: string): SpreadSelection => ({
    unschedulable: `spread constraint (${describeConstraint(c)}) cannot be met: ${why}`,
  });
  if (groups.length < minGroups) {
    const names = groups.map((g) => g.name).join(', ');
    return fail(
      grouping,
      `${String(groups.length)} group(s) available${names ? ` (${names})` : ''}, ${String(minGroups)} required`,
    );
  }
  const maxClusters = clusterBound?.maxGroups ?? Infinity;
  const minClusters = clusterBound?.minGroups ?? 1;
  // each chosen group needs a cluster of its own
  let count = Math.min(grouping.maxGroups ?? groups.length, groups.length, maxClusters);
  if (count < minGroups) {
    return fail(
      grouping,
      `at most ${String(maxClusters)} cluster(s) allowed by spreadByField cluster`,
    );
  }
  // more groups (up to maxGroups) when the chosen ones hold too few clusters
  const size = (n: number): number => groups.slice(0, n).reduce((s, g) => s + g.clusters.length, 0);
  while (
    size(count) < minClusters &&
    count < Math.min(grouping.maxGroups ?? Infinity, groups.length)
  ) {
    count++;
  }
  const chosen = roundRobin(groups.slice(0, count), maxClusters);
  if (chosen.length < minClusters && clusterBound) {
    return fail(clusterBound, `${String(chosen.length)} cluster(s) available in the chosen groups`);
  }
  return { clusters: chosen.sort((a, b) => nameOf(a).localeCompare(nameOf(b))) };
}
