import type { Node, Pod } from '../../api/index.js';
import type { FilterPlugin, NodeInfo, ScorePlugin } from './framework.js';

/**
 * Outcome of one scheduling attempt: the chosen node and how many nodes were filtered to find it,
 * or why every node was rejected.
 */
export type ScheduleResult =
  { node: string; evaluated: number } | { reasons: Record<string, number> };

/** Where {@link scheduleOne} starts filtering and how many feasible nodes are enough. */
export interface ScheduleWindow {
  /** Index of the first node to filter; the scan wraps around. @defaultValue 0 */
  start?: number;
  /** Stop filtering once this many nodes fit. @defaultValue all nodes */
  feasibleToFind?: number;
}

/** kube-scheduler's floor: a cycle never looks for fewer feasible nodes than this (or all nodes). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;

/**
 * kube-scheduler's `numFeasibleNodesToFind`: how many feasible nodes a cycle looks for before it
 * stops filtering and scores them. `percentage` 0 means adaptive (50% minus 1% per 125 nodes,
 * at least 5%); the result is never below {@link MIN_FEASIBLE_NODES_TO_FIND} (or the node count).
 */
export function numFeasibleNodesToFind(total: number, percentage = 0): number {
  if (total < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return total;
  const pct = percentage > 0 ? percentage : Math.max(5, 50 - Math.floor(total / 125));
  return Math.max(MIN_FEASIBLE_NODES_TO_FIND, Math.floor((total * pct) / 100));
}

/**
 * Runs the filter plugins on the nodes (from `window.start`, wrapping around, until
 * `window.feasibleToFind` nodes fit or all were seen), scores the feasible ones (weighted sum) and
 * picks the best, breaking ties with `random`. Plugins whose `skip` says they cannot tell the
 * nodes apart for this pod are left out (kube-scheduler's PreFilter/PreScore Skip). Pure;
 * `reasons` counts why nodes were rejected.
 */
export function scheduleOne(
  pod: Pod,
  infos: readonly NodeInfo[],
  filters: FilterPlugin[],
  scores: { plugin: ScorePlugin; weight: number }[],
  random: () => number = Math.random,
  window: ScheduleWindow = {},
): ScheduleResult {
  const activeFilters = filters.filter((f) => f.skip?.(pod) !== true);
  const activeScores = scores.filter((s) => s.plugin.skip?.(pod) !== true);
  const feasible: NodeInfo[] = [];
  const reasons: Record<string, number> = {};
  const total = infos.length;
  const start = total > 0 ? (window.start ?? 0) % total : 0;
  const enough = Math.max(1, window.feasibleToFind ?? total);
  let evaluated = 0;
  while (evaluated < total && feasible.length < enough) {
    const info = infos[(start + evaluated) % total] as NodeInfo;
    evaluated++;
    let reason: string | undefined;
    for (const f of activeFilters) {
      reason = f.filter(pod, info);
      if (reason !== undefined) break;
    }
    if (reason === undefined) feasible.push(info);
    else reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  if (feasible.length === 0) return { reasons };
  // as kube-scheduler: a single feasible node needs no scoring
  if (feasible.length === 1) {
    return { node: (feasible[0] as NodeInfo).node.metadata.name ?? '', evaluated };
  }
  let best: NodeInfo[] = [];
  let bestScore = -Infinity;
  for (const info of feasible) {
    let s = 0;
    for (const { plugin, weight } of activeScores) s += plugin.score(pod, info) * weight;
    if (s > bestScore) {
      bestScore = s;
      best = [info];
    } else if (s === bestScore) best.push(info);
  }
  const pick = best[Math.floor(random() * best.length)] ?? best[0];
  return { node: (pick?.node as Node).metadata.name ?? '', evaluated };
}

/** kube-scheduler's message: `0/3 nodes are available: 2 Insufficient cpu, 1 node(s) were unschedulable.` */
export function unschedulableMessage(total: number, reasons: Record<string, number>): string {
  const parts = Object.entries(reasons)
    .map(([r, n]) => `${String(n)} ${r}`)
    .sort();
  return `0/${String(total)} nodes are available: ${parts.join(', ')}.`;
}
