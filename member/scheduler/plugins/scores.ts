import type { ScorePlugin } from '../framework.js';
import { podRequests } from '../framework.js';
import { matchExpressions, tolerates } from './filters.js';

const frac = (used: number, cap: number): number => (cap <= 0 ? 1 : Math.min(1, used / cap));

/** Prefers nodes with more free cpu and memory. */
export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesLeastAllocated',
  score: (pod, info) => {
    const r = podRequests(pod);
    const cpu = 1 - frac(info.requestedCpu + r.cpu, info.allocatableCpu);
    const mem = 1 - frac(info.requestedMemory + r.memory, info.allocatableMemory);
    const podsFree = 1 - frac(info.pods.length + 1, info.allocatablePods);
    return Math.round(((cpu + mem + podsFree) / 3) * 100);
  },
};

/** Prefers nodes whose cpu and memory use stay balanced. */
export const balancedAllocation: ScorePlugin = {
  name: 'NodeResourcesBalancedAllocation',
  score: (pod, info) => {
    const r = podRequests(pod);
    const cpu = frac(info.requestedCpu + r.cpu, info.allocatableCpu);
    const mem = frac(info.requestedMemory + r.memory, info.allocatableMemory);
    return Math.round((1 - Math.abs(cpu - mem)) * 100);
  },
};

/** Preferred node affinity terms: the matched weights, scaled to 0..100. */
export const nodeAffinityPreferred: ScorePlugin = {
  name: 'NodeAffinityPreferred',
  skip: (pod) =>
    !pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length,
  score: (pod, info) => {
    const terms =
      pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const total = terms.reduce((n, t) => n + t.weight, 0);
    if (total === 0) return 0;
    const labels = info.node.metadata.labels ?? {};
    return Math.round(
      (terms
        .filter((t) => matchExpressions(labels, t.preference.matchExpressions))
        .reduce((n, t) => n + t.weight, 0) /
        total) *
        100,
    );
  },
};

/** Fewer untolerated PreferNoSchedule taints is better. */
export const taintTolerationPreferred: ScorePlugin = {
  name: 'TaintTolerationPreferred',
  score: (pod, info) => {
    let n = 0;
    for (const t of info.node.spec?.taints ?? []) {
      if (t.effect === 'PreferNoSchedule' && !tolerates(pod.spec.tolerations, t)) n++;
    }
    return Math.max(0, 100 - n * 50);
  },
};
