import { describe, expect, it } from 'vitest';
import type { Cluster } from '../apis/index.js';
import { divideByWeight, place } from './placement.js';

function cluster(
  name: string,
  ready = true,
  labels: Record<string, string> = {},
  free = 10,
): Cluster {
  return {
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name, labels },
    spec: { apiEndpoint: 'https://127.0.0.1:1', secretRef: { namespace: 'flotilla-system', name } },
    status: {
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      resourceSummary: { allocatablePods: free, allocatedPods: 0, readyNodes: 1 },
    },
  };
}

describe('divideByWeight', () => {
  it('splits 6 at 2:1 into 4 and 2', () => {
    expect(
      Object.fromEntries(
        divideByWeight(6, [
          { name: 'a', weight: 2 },
          { name: 'b', weight: 1 },
        ]),
      ),
    ).toEqual({ a: 4, b: 2 });
  });
  it('hands remainders to the largest remainders, deterministically', () => {
    expect(
      Object.fromEntries(
        divideByWeight(7, [
          { name: 'a', weight: 1 },
          { name: 'b', weight: 1 },
          { name: 'c', weight: 1 },
        ]),
      ),
    ).toEqual({ a: 3, b: 2, c: 2 });
    expect(
      [
        ...divideByWeight(5, [
          { name: 'x', weight: 0 },
          { name: 'y', weight: 3 },
        ]).values(),
      ].reduce((a, b) => a + b),
    ).toBe(5);
  });
});

describe('place', () => {
  const divided = {
    clusterAffinity: { clusterNames: ['m1', 'm2', 'm3'] },
    replicaScheduling: {
      replicaSchedulingType: 'Divided' as const,
      weightPreference: {
        staticWeightList: [
          { targetCluster: { clusterNames: ['m1'] }, weight: 2 },
          { targetCluster: { clusterNames: ['m2'] }, weight: 1 },
        ],
      },
    },
  };
  it('divides by static weights among ready clusters', () => {
    expect(place(divided, [cluster('m1'), cluster('m2')], 6).clusters).toEqual([
      { name: 'm1', replicas: 4 },
      { name: 'm2', replicas: 2 },
    ]);
  });
  it('moves replicas off a NotReady cluster and back when it is Ready', () => {
    expect(place(divided, [cluster('m1'), cluster('m2', false)], 6).clusters).toEqual([
      { name: 'm1', replicas: 6 },
    ]);
    expect(place(divided, [cluster('m1', false), cluster('m2')], 6).clusters).toEqual([
      { name: 'm2', replicas: 6 },
    ]);
  });
  it('keeps new placements off NoSchedule clusters but leaves bound ones; NoExecute evicts', () => {
    const cordoned = {
      ...cluster('m2'),
      spec: {
        ...cluster('m2').spec,
        taints: [{ key: 'cluster.flotilla.io/unschedulable', effect: 'NoSchedule' as const }],
      },
    };
    expect(place(divided, [cluster('m1'), cordoned], 6).clusters).toEqual([
      { name: 'm1', replicas: 6 },
    ]);
    expect(place(divided, [cluster('m1'), cordoned], 6, new Set(['m1', 'm2'])).clusters).toEqual([
      { name: 'm1', replicas: 4 },
      { name: 'm2', replicas: 2 },
    ]);
    const evicting = {
      ...cordoned,
      spec: { ...cordoned.spec, taints: [{ key: 'x', effect: 'NoExecute' as const }] },
    };
    expect(place(divided, [cluster('m1'), evicting], 6, new Set(['m1', 'm2'])).clusters).toEqual([
      { name: 'm1', replicas: 6 },
    ]);
  });
  it('duplicates to every matching cluster', () => {
    expect(
      place(
        { clusterAffinity: { labelSelector: { matchLabels: { env: 'prod' } } } },
        [cluster('a', true, { env: 'prod' }), cluster('b', true, { env: 'dev' })],
        undefined,
      ).clusters,
    ).toEqual([{ name: 'a' }]);
  });
  it('divides by available capacity', () => {
    const p = {
      replicaScheduling: {
        replicaSchedulingType: 'Divided' as const,
        weightPreference: { dynamicWeight: 'AvailableReplicas' as const },
      },
    };
    expect(place(p, [cluster('a', true, {}, 30), cluster('b', true, {}, 10)], 8).clusters).toEqual([
      { name: 'a', replicas: 6 },
      { name: 'b', replicas: 2 },
    ]);
  });
});
