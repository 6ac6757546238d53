import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../../api/index.js';
import { nodeInfo } from '../framework.js';
import {
  balancedAllocation,
  leastAllocated,
  nodeAffinityPreferred,
  taintTolerationPreferred,
} from './scores.js';

function node(labels: Record<string, string> = {}, taints: Node['spec'] = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', labels },
    spec: taints,
    status: { allocatable: { cpu: '4', memory: '4Gi', pods: '10' } },
  };
}

const pod = (cpu = '0', memory = '0'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: {
    containers: [{ name: 'c', image: 'busybox:1', resources: { requests: { cpu, memory } } }],
  },
});

describe('score plugins', () => {
  it('LeastAllocated: the average free share of cpu, memory and pod slots after placing the pod', () => {
    // cpu 1/4 used → 75 free, memory 1/4 → 75, pods 1/10 → 90: (75+75+90)/3 = 80
    expect(leastAllocated.score(pod('1', '1Gi'), nodeInfo(node(), []))).toBe(80);
    // with 2 cpu / 3Gi already requested by one pod: cpu 3/4 → 25, memory 4/4 → 0, pods 2/10 → 80
    expect(leastAllocated.score(pod('1', '1Gi'), nodeInfo(node(), [pod('2', '3Gi')]))).toBe(35);
    const emptier = leastAllocated.score(pod('1'), nodeInfo(node(), []));
    const fuller = leastAllocated.score(pod('1'), nodeInfo(node(), [pod('2')]));
    expect(emptier).toBeGreaterThan(fuller);
  });

  it('BalancedAllocation: 100 when cpu and memory shares match, lower as they diverge', () => {
    expect(balancedAllocation.score(pod('2', '2Gi'), nodeInfo(node(), []))).toBe(100);
    // cpu 3/4 = 0.75, memory 1/4 = 0.25 → 1 - 0.5
    expect(balancedAllocation.score(pod('1', '1Gi'), nodeInfo(node(), [pod('2')]))).toBe(50);
    expect(balancedAllocation.score(pod('4'), nodeInfo(node(), []))).toBe(0);
  });

  it('NodeAffinityPreferred: matched weights over total, scaled to 100', () => {
    const p = pod();
    p.spec.affinity = {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 3,
            preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
          },
          { weight: 1, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
        ],
      },
    };
    expect(nodeAffinityPreferred.score(p, nodeInfo(node({ zone: 'a' }), []))).toBe(75);
    expect(nodeAffinityPreferred.score(p, nodeInfo(node({ ssd: 'y' }), []))).toBe(25);
    expect(nodeAffinityPreferred.score(p, nodeInfo(node({ zone: 'a', ssd: 'y' }), []))).toBe(100);
    expect(nodeAffinityPreferred.score(pod(), nodeInfo(node({ zone: 'a' }), []))).toBe(0);
  });

  it('TaintTolerationPreferred: 50 points off per untolerated PreferNoSchedule taint', () => {
    const tainted = node(
      {},
      {
        taints: [
          { key: 'a', effect: 'PreferNoSchedule' },
          { key: 'b', effect: 'PreferNoSchedule' },
          { key: 'c', effect: 'NoSchedule' },
        ],
      },
    );
    expect(taintTolerationPreferred.score(pod(), nodeInfo(node(), []))).toBe(100);
    expect(taintTolerationPreferred.score(pod(), nodeInfo(tainted, []))).toBe(0);
    const p = pod();
    p.spec.tolerations = [{ key: 'a', operator: 'Exists' }];
    expect(taintTolerationPreferred.score(p, nodeInfo(tainted, []))).toBe(50);
  });
});
