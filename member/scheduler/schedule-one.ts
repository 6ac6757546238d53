import type { Node, Pod } from '../apis/index.js';
import type { FilterPlugin, NodeInfo, ScorePlugin } from './framework.js';

/** Outcome of one scheduling attempt. */
export type ScheduleResult = { node: string } | { reasons: Record<string, number> };

/**
 * Runs the filter plugins on every node, scores the feasible ones (weighted sum) and picks the
 * best, breaking ties with `random`. Pure; `reasons` counts why nodes were rejected.
 */
export function scheduleOne(
  pod: Pod,
  infos: NodeInfo[],
  filters: FilterPlugin[],
  scores: { plugin: ScorePlugin; weight: number }[],
  random: () => number = Math.random,
): ScheduleResult {
  const feasible: NodeInfo[] = [];
  const reasons: Record<string, number> = {};
  for (const info of infos) {
    let reason: string | undefined;
    for (const f of filters) {
      reason = f.filter(pod, info);
      if (reason !== undefined) break;
    }
    if (reason === undefined) feasible.push(info);
    else reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  if (feasible.length === 0) return { reasons };
  let best: NodeInfo[] = [];
  let bestScore = -Infinity;
  for (const info of feasible) {
    const s = scores.reduce((n, { plugin, weight }) => n + plugin.score(pod, info) * weight, 0);
    if (s > bestScore) {
      bestScore = s;
      best = [info];
    } else if (s === bestScore) best.push(info);
  }
  const pick = best[Math.floor(random() * best.length)] ?? best[0];
  return { node: (pick?.node as Node).metadata.name ?? '' };
}

/** kube-scheduler's message: `0/3 nodes are available: 2 Insufficient cpu, 1 node(s) were unschedulable.` */
export function unschedulableMessage(total: number, reasons: Record<string, number>): string {
  const parts = Object.entries(reasons)
    .map(([r, n]) => `${String(n)} ${r}`)
    .sort();
  return `0/${String(total)} nodes are available: ${parts.join(', ')}.`;
}
