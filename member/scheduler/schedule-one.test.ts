import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../api/index.js';
import { nodeInfo, type NodeInfo } from './framework.js';
import { defaultFilters, defaultScores } from './registry.js';
import { numFeasibleNodesToFind, scheduleOne, unschedulableMessage } from './schedule-one.js';

function info(name: string, cpu = '4', usedCpu?: string): NodeInfo {
  const n: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: {},
    status: { allocatable: { cpu, memory: '8Gi', pods: '110' } },
  };
  return nodeInfo(n, usedCpu ? [pod(usedCpu)] : []);
}

function pod(cpu = '1'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox:1', resources: { requests: { cpu } } }] },
  };
}

describe('scheduleOne', () => {
  it('picks the best-scoring feasible node and reports how many nodes it filtered', () => {
    const nodes = [info('full', '4', '3500m'), info('busy', '4', '2'), info('idle')];
    expect(scheduleOne(pod(), nodes, defaultFilters, defaultScores)).toEqual({
      node: 'idle',
      evaluated: 3,
    });
  });

  it('counts rejection reasons over every node when nothing fits', () => {
    const nodes = [info('a', '1'), info('b', '1')];
    const r = scheduleOne(pod('2'), nodes, defaultFilters, defaultScores, Math.random, {
      start: 1,
      feasibleToFind: 1,
    });
    expect(r).toEqual({ reasons: { 'Insufficient cpu': 2 } });
    expect(unschedulableMessage(2, { 'Insufficient cpu': 2 })).toBe(
      '0/2 nodes are available: 2 Insufficient cpu.',
    );
  });

  it('stops filtering once enough nodes fit, starting at the window and wrapping around', () => {
    const nodes = [info('n0'), info('n1'), info('n2', '1'), info('n3')];
    // from n2 (too small), n3 fits, wraps to n0 which fits: 3 nodes filtered, best of n3/n0
    const r = scheduleOne(pod('2'), nodes, defaultFilters, defaultScores, () => 0, {
      start: 2,
      feasibleToFind: 2,
    });
    expect(r).toEqual({ node: 'n3', evaluated: 3 });
  });

  it('numFeasibleNodesToFind follows kube-scheduler (adaptive, at least 100 nodes)', () => {
    expect(numFeasibleNodesToFind(50)).toBe(50);
    expect(numFeasibleNodesToFind(100)).toBe(100);
    expect(numFeasibleNodesToFind(150)).toBe(100);
    expect(numFeasibleNodesToFind(1000)).toBe(420);
    expect(numFeasibleNodesToFind(5000)).toBe(500);
    expect(numFeasibleNodesToFind(10000)).toBe(500);
    expect(numFeasibleNodesToFind(1000, 10)).toBe(100);
    expect(numFeasibleNodesToFind(1000, 100)).toBe(1000);
  });
});
