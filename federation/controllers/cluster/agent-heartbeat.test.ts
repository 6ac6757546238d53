import { describe, expect, it } from 'vitest';
import type { Lease } from '../../../api/index.js';
import type { Cluster } from '../../apis/index.js';
import {
  heartbeatLeaseKey,
  heartbeatVerdict,
  ReasonAgentHeartbeatMissing,
} from './agent-heartbeat.js';

const cluster: Cluster = {
  apiVersion: 'cluster.flotilla.io/v1alpha1',
  kind: 'Cluster',
  metadata: { name: 'p1' },
  spec: { syncMode: 'Pull', apiEndpoint: 'https://127.0.0.1:1' },
};
const lease = (renewTime: string | undefined, leaseDurationSeconds?: number): Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'p1', namespace: 'fed-es-p1' },
  spec: {
    holderIdentity: 'host_1',
    ...(renewTime !== undefined ? { renewTime } : {}),
    ...(leaseDurationSeconds !== undefined ? { leaseDurationSeconds } : {}),
  },
});
const t0 = Date.parse('2026-01-01T00:00:00.000000Z');

describe('heartbeatVerdict', () => {
  it('names the Lease after the cluster in its execution namespace', () => {
    expect(heartbeatLeaseKey('p1')).toBe('fed-es-p1/p1');
  });

  it('is Ready within the window and says when to look again', () => {
    const v = heartbeatVerdict(
      cluster,
      lease('2026-01-01T00:00:00.000000Z', 10),
      t0 + 4000,
      'R',
      'N',
    );
    expect(v).toMatchObject({ ready: true, reason: 'R', recheckInMs: 6000 });
  });

  it('is NotReady once the window has passed, and without any Lease', () => {
    const late = heartbeatVerdict(
      cluster,
      lease('2026-01-01T00:00:00.000000Z', 10),
      t0 + 10_001,
      'R',
      'N',
    );
    expect(late).toMatchObject({ ready: false, reason: ReasonAgentHeartbeatMissing });
    expect(heartbeatVerdict(cluster, undefined, t0, 'R', 'N').ready).toBe(false);
    expect(heartbeatVerdict(cluster, lease(undefined), t0, 'R', 'N').ready).toBe(false);
  });

  it('carries the reported summary, and no Ready nodes means NotReady', () => {
    const l = lease('2026-01-01T00:00:00.000000Z', 10);
    l.metadata.annotations = {
      'cluster.flotilla.io/resource-summary':
        '{"allocatablePods":110,"allocatedPods":3,"readyNodes":1}',
      'cluster.flotilla.io/kubernetes-version': 'v1.30.0-flotilla',
    };
    expect(heartbeatVerdict(cluster, l, t0 + 1000, 'R', 'N')).toMatchObject({
      ready: true,
      version: 'v1.30.0-flotilla',
      summary: { allocatablePods: 110, allocatedPods: 3, readyNodes: 1 },
    });
    l.metadata.annotations['cluster.flotilla.io/resource-summary'] =
      '{"allocatablePods":0,"allocatedPods":0,"readyNodes":0}';
    expect(heartbeatVerdict(cluster, l, t0 + 1000, 'R', 'N')).toMatchObject({
      ready: false,
      reason: 'N',
    });
  });

  it('uses 40 s when the Lease does not say', () => {
    const l = lease('2026-01-01T00:00:00.000000Z');
    expect(heartbeatVerdict(cluster, l, t0 + 39_000, 'R', 'N').ready).toBe(true);
    expect(heartbeatVerdict(cluster, l, t0 + 41_000, 'R', 'N').ready).toBe(false);
  });
});
