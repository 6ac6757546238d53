import type { FilterPlugin, ScorePlugin } from './framework.js';
import {
  nodeAffinity,
  nodeName,
  nodePorts,
  nodeResourcesFit,
  nodeUnschedulable,
  taintToleration,
} from './plugins/filters.js';
import {
  balancedAllocation,
  leastAllocated,
  nodeAffinityPreferred,
  taintTolerationPreferred,
} from './plugins/scores.js';

/** The default plugin set (filters in order; scores with weights). */
export const defaultFilters: FilterPlugin[] = [
  nodeName,
  nodeUnschedulable,
  nodeAffinity,
  taintToleration,
  nodeResourcesFit,
  nodePorts,
];
export const defaultScores: { plugin: ScorePlugin; weight: number }[] = [
  { plugin: leastAllocated, weight: 1 },
  { plugin: balancedAllocation, weight: 1 },
  { plugin: nodeAffinityPreferred, weight: 2 },
  { plugin: taintTolerationPreferred, weight: 3 },
];
