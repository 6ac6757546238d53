import { describe, expect, it } from 'vitest';
import type { Cluster, Placement } from '../apis/index.js';
import { place } from './placement.js';
import { LABEL_TOPOLOGY_REGION, selectBySpread } from './spread-constraints.js';

/** A Ready cluster in `region` (spec.region, or the topology label when `viaLabel`). */
function cluster(name: string, region: string, viaLabel = false, free = 10): Cluster {
  return {
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name, labels: viaLabel ? { [LABEL_TOPOLOGY_REGION]: region } : {} },
    spec: {
      apiEndpoint: 'https://127.0.0.1:1',
      secretRef: { namespace: 'flotilla-system', name },
      ...(viaLabel ? {} : { region }),
    },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      resourceSummary: { allocatablePods: free, allocatedPods: 0, readyNodes: 1 },
    },
  };
}

// three clusters in two regions: eu has two, us one (us labelled, not in spec)
const clusters = [cluster('a', 'eu'), cluster('b', 'eu'), cluster('c', 'us', true)];

const divided = (spread: NonNullable<Placement['spreadConstraints']>): Placement => ({
  spreadConstraints: spread,
  replicaScheduling: { replicaSchedulingType: 'Divided' },
});

describe('spreadConstraints', () => {
  it('minGroups 2 by region places replicas in both regions', () => {
    const d = place(divided([{ spreadByField: 'region', minGroups: 2 }]), clusters, 6);
    expect(d.unschedulable).toBeUndefined();
    expect(d.clusters).toEqual([
      { name: 'a', replicas: 2 },
      { name: 'b', replicas: 2 },
      { name: 'c', replicas: 2 },
    ]);
  });

  it('maxGroups 1 by region keeps to one region (the larger one)', () => {
    const d = place(divided([{ spreadByField: 'region', maxGroups: 1 }]), clusters, 4);
    expect(d.clusters).toEqual([
      { name: 'a', replicas: 2 },
      { name: 'b', replicas: 2 },
    ]);
  });

  it('maxGroups 1 keeps the region it is bound to (no reshuffle on resync)', () => {
    const d = place(
      divided([{ spreadByField: 'region', maxGroups: 1 }]),
      clusters,
      4,
      new Set(['c']),
    );
    expect(d.clusters).toEqual([{ name: 'c', replicas: 4 }]);
  });

  it('minGroups 3 with two regions is unschedulable, naming the constraint', () => {
    const d = place(divided([{ spreadByField: 'region', minGroups: 3 }]), clusters, 3);
    expect(d.clusters).toEqual([]);
    expect(d.unschedulable).toBe(
      'spread constraint (spreadByField region, minGroups 3) cannot be met: 2 group(s) available (eu, us), 3 required',
    );
  });

  it('an unmet constraint keeps the clusters already bound', () => {
    const d = place(
      divided([{ spreadByField: 'region', minGroups: 3 }]),
      clusters,
      4,
      new Set(['a', 'c']),
    );
    expect(d.unschedulable).toContain('minGroups 3');
    expect(d.clusters).toEqual([
      { name: 'a', replicas: 2 },
      { name: 'c', replicas: 2 },
    ]);
  });

  it('a cluster constraint caps the clusters, one per chosen region first', () => {
    const s = selectBySpread(clusters, [
      { spreadByField: 'region', minGroups: 2 },
      { spreadByField: 'cluster', maxGroups: 2 },
    ]);
    expect('clusters' in s && s.clusters.map((c) => c.metadata.name)).toEqual(['a', 'c']);
  });

  it('spreadByField cluster alone bounds the number of clusters', () => {
    const d = place(
      { spreadConstraints: [{ spreadByField: 'cluster', maxGroups: 2 }] },
      clusters,
      3,
    );
    expect(d.clusters).toEqual([
      { name: 'a', replicas: 3 },
      { name: 'b', replicas: 3 },
    ]);
    const none = place(
      { spreadConstraints: [{ spreadByField: 'cluster', minGroups: 4 }] },
      clusters,
      undefined,
    );
    expect(none.unschedulable).toContain('3 group(s) available');
  });

  it('spreadByLabel groups by a label; clusters without it are left out', () => {
    const labelled = clusters.map((c, i) => ({
      ...c,
      metadata: { ...c.metadata, labels: i < 2 ? { rack: `r${String(i)}` } : {} },
    }));
    const d = place(
      { spreadConstraints: [{ spreadByLabel: 'rack', minGroups: 2 }] },
      labelled,
      undefined,
    );
    expect(d.clusters.map((c) => c.name)).toEqual(['a', 'b']);
  });
});
