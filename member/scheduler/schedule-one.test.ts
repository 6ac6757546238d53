import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../api/index.js';
import { nodeInfo, type FilterPlugin, type NodeInfo, type ScorePlugin } from './framework.js';
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

  it('samples: stops once the adaptive share of 1,000 nodes fits and picks one of those', () => {
    // even nodes are too small for the pod: 420 feasible nodes are found among the first 840
    const nodes = Array.from({ length: 1000 }, (_, i) =>
      info(`n${String(i)}`, i % 2 === 0 ? '1' : '4'),
    );
    const r = scheduleOne(pod('2'), nodes, defaultFilters, defaultScores, Math.random, {
      start: 0,
      feasibleToFind: numFeasibleNodesToFind(nodes.length),
    });
    expect(r).toMatchObject({ evaluated: 840 });
    const picked = Number(('node' in r ? r.node : '').slice(1));
    expect(picked % 2).toBe(1);
    expect(picked).toBeLessThan(840);
  });

  it('samples: still finds the only feasible node among 1,000, behind the window start', () => {
    const nodes = Array.from({ length: 1000 }, (_, i) =>
      info(`n${String(i)}`, i === 137 ? '4' : '1'),
    );
    const r = scheduleOne(pod('2'), nodes, defaultFilters, defaultScores, Math.random, {
      start: 500,
      feasibleToFind: numFeasibleNodesToFind(nodes.length),
    });
    expect(r).toEqual({ node: 'n137', evaluated: 1000 });
  });

  it('leaves out plugins that skip the pod (PreFilter/PreScore Skip) and runs the others', () => {
    const calls: string[] = [];
    const never: FilterPlugin = {
      name: 'Never',
      skip: () => true,
      filter: () => 'must not run',
    };
    const counted: FilterPlugin = {
      name: 'Counted',
      skip: () => false,
      filter: (_p, i) => {
        calls.push(i.node.metadata.name ?? '');
        return undefined;
      },
    };
    // would make `a` win if it ran
    const skipped: ScorePlugin = {
      name: 'Skipped',
      skip: () => true,
      score: (_p, i) => (i.node.metadata.name === 'a' ? 1000 : 0),
    };
    const r = scheduleOne(
      pod(),
      [info('a', '4', '3'), info('b')],
      [never, counted, ...defaultFilters],
      [{ plugin: skipped, weight: 1 }, ...defaultScores],
    );
    expect(r).toEqual({ node: 'b', evaluated: 2 });
    expect(calls).toEqual(['a', 'b']);
  });
});
