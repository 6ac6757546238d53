import { describe, expect, it } from 'vitest';
import type { Cluster, GracefulEvictionTask, ResourceBinding } from '../../apis/index.js';
import {
  assessBindingEvictions,
  assessEvictions,
  evictionCause,
  hasReadyReplicas,
  readyReplicas,
  type EvictionInput,
} from './graceful-eviction.js';

const T0 = new Date('2026-11-30T12:00:00Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

/** 6 replicas on pa, pb, pc (2 each); pc tainted NoExecute: the decision gives pa and pb 3. */
function input(over: Partial<EvictionInput> = {}): EvictionInput {
  return {
    previous: [
      { name: 'pa', replicas: 2 },
      { name: 'pb', replicas: 2 },
      { name: 'pc', replicas: 2 },
    ],
    decision: [
      { name: 'pa', replicas: 3 },
      { name: 'pb', replicas: 3 },
    ],
    tasks: [],
    joined: new Set(['pa', 'pb', 'pc']),
    cause: (c) =>
      c === 'pc' ? { reason: 'TaintUntolerated', message: 'pc is tainted' } : undefined,
    interpretable: true,
    ready: new Map([
      ['pa', 2],
      ['pb', 2],
    ]),
    now: T0,
    gracePeriodSeconds: 60,
    producer: 'propagation-controller',
    ...over,
  };
}

const task: GracefulEvictionTask = {
  fromCluster: 'pc',
  replicas: 2,
  reason: 'TaintUntolerated',
  message: 'pc is tainted',
  producer: 'propagation-controller',
  creationTimestamp: '2026-11-30T12:00:00Z',
};

describe('assessEvictions', () => {
  it('keeps the copy of a cluster evicted for a taint and records a task', () => {
    const out = assessEvictions(input());
    expect(out.tasks).toEqual([task]);
    expect([...out.kept]).toEqual(['pc']);
    expect(out.ended).toEqual([]);
  });

  it('keeps the task while part of the new placement is not ready', () => {
    const out = assessEvictions(
      input({
        previous: [
          { name: 'pa', replicas: 3 },
          { name: 'pb', replicas: 3 },
        ],
        tasks: [task],
        ready: new Map([
          ['pa', 3],
          ['pb', 2],
        ]),
        now: at(30),
      }),
    );
    expect(out.tasks).toEqual([task]);
    expect([...out.kept]).toEqual(['pc']);
  });

  it('ends the task once every cluster of the new placement has its share ready', () => {
    const out = assessEvictions(
      input({
        tasks: [task],
        ready: new Map([
          ['pa', 3],
          ['pb', 4],
        ]),
        now: at(5),
      }),
    );
    expect(out.tasks).toEqual([]);
    expect(out.kept.size).toBe(0);
    expect(out.ended).toEqual([{ task, why: 'Ready' }]);
  });

  it('ends the task when the grace period passed (the task may carry its own)', () => {
    expect(assessEvictions(input({ tasks: [task], now: at(59) })).ended).toEqual([]);
    expect(assessEvictions(input({ tasks: [task], now: at(60) })).ended).toEqual([
      { task, why: 'Timeout' },
    ]);
    const own = { ...task, gracePeriodSeconds: 5 };
    expect(assessEvictions(input({ tasks: [own], now: at(5) })).ended).toEqual([
      { task: own, why: 'Timeout' },
    ]);
  });

  it('drops the task without releasing when the cluster is placed again or unjoined', () => {
    const back = assessEvictions(
      input({ tasks: [task], decision: [{ name: 'pa' }, { name: 'pb' }, { name: 'pc' }] }),
    );
    expect(back).toEqual({ kept: new Set(), tasks: [], ended: [] });
    const gone = assessEvictions(input({ tasks: [task], joined: new Set(['pa', 'pb']) }));
    expect(gone).toEqual({ kept: new Set(), tasks: [], ended: [] });
  });

  it('releases at once what has no ready count, or left for another cause', () => {
    const plain = assessEvictions(input({ interpretable: false }));
    expect(plain).toEqual({ kept: new Set(), tasks: [], ended: [] });
    expect(assessEvictions(input({ interpretable: false, tasks: [task] })).ended).toHaveLength(1);
    const policy = assessEvictions(input({ cause: () => undefined }));
    expect(policy).toEqual({ kept: new Set(), tasks: [], ended: [] });
  });

  it('ends a new task at once when the new placement is already ready (Duplicated)', () => {
    const out = assessEvictions(
      input({
        previous: [
          { name: 'pa', replicas: 6 },
          { name: 'pc', replicas: 6 },
        ],
        decision: [{ name: 'pa', replicas: 6 }],
        ready: new Map([['pa', 6]]),
      }),
    );
    expect(out.tasks).toEqual([]);
    expect(out.ended.map((e) => [e.task.fromCluster, e.task.replicas, e.why])).toEqual([
      ['pc', 6, 'Ready'],
    ]);
  });

  it('creates no task for a cluster being released (replicas 0) or already evicted', () => {
    const out = assessEvictions(input({ previous: [{ name: 'pc', replicas: 0 }] }));
    expect(out.tasks).toEqual([]);
    const again = assessEvictions(input({ tasks: [task], now: at(10) }));
    expect(again.tasks).toEqual([task]);
  });
});

describe('evictionCause, hasReadyReplicas, readyReplicas', () => {
  const cluster = (spec: Partial<Cluster['spec']>, ready: 'True' | 'False' = 'True'): Cluster => ({
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'pc' },
    spec: { apiEndpoint: 'https://127.0.0.1:1', ...spec },
    status: { conditions: [{ type: 'Ready', status: ready }] },
  });

  it('names an untolerated NoExecute taint, then a NotReady cluster', () => {
    const tainted = cluster({
      taints: [{ key: 'maintenance', value: 'true', effect: 'NoExecute' }],
    });
    expect(evictionCause(tainted)).toEqual({
      reason: 'TaintUntolerated',
      message: 'cluster pc has the taint maintenance=true:NoExecute',
    });
    expect(evictionCause(cluster({}, 'False'))?.reason).toBe('ClusterNotReady');
    expect(evictionCause(cluster({ taints: [{ key: 'k', effect: 'NoSchedule' }] }))).toBe(
      undefined,
    );
    expect(evictionCause(undefined)).toBe(undefined);
  });

  it('waits only on workloads with a ready count', () => {
    expect(hasReadyReplicas({ apiVersion: 'apps/v1', kind: 'Deployment' }, 3)).toBe(true);
    expect(hasReadyReplicas({ apiVersion: 'apps/v1', kind: 'Deployment' }, undefined)).toBe(false);
    expect(hasReadyReplicas({ apiVersion: 'v1', kind: 'ConfigMap' }, undefined)).toBe(false);
    expect(hasReadyReplicas({ apiVersion: 'batch/v1', kind: 'Job' }, 1)).toBe(false);
  });

  it('reads status.readyReplicas of applied copies only', () => {
    const obj = (ready: number) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      status: { readyReplicas: ready },
    });
    const ready = readyReplicas([
      { cluster: 'pa', applied: true, object: obj(3) },
      { cluster: 'pb', applied: false, pending: true, object: obj(2) },
      { cluster: 'pd', applied: true, object: { ...obj(0), status: {} } },
    ]);
    expect([...ready]).toEqual([['pa', 3]]);
  });
});

describe('assessBindingEvictions', () => {
  const member = (name: string, noExecute = false): Cluster => ({
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name },
    spec: {
      apiEndpoint: 'https://127.0.0.1:1',
      ...(noExecute ? { taints: [{ key: 'maintenance', effect: 'NoExecute' as const }] } : {}),
    },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const binding: ResourceBinding = {
    apiVersion: 'work.flotilla.io/v1alpha1',
    kind: 'ResourceBinding',
    metadata: { name: 'web-deployment', namespace: 'default' },
    spec: {
      resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      clusters: [
        { name: 'pa', replicas: 3 },
        { name: 'pc', replicas: 3 },
      ],
    },
  };
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment' };

  it('turns a binding, its clusters and the members results into a task', () => {
    const out = assessBindingEvictions(
      binding,
      [{ name: 'pa', replicas: 6 }],
      [member('pa'), member('pc', true)],
      [
        {
          cluster: 'pa',
          applied: true,
          object: { ...deployment, metadata: {}, status: { readyReplicas: 3 } },
        },
      ],
      { kind: deployment, replicas: 6, producer: 'propagation-controller', now: T0 },
    );
    expect(out.tasks).toEqual([
      {
        fromCluster: 'pc',
        replicas: 3,
        reason: 'TaintUntolerated',
        message: 'cluster pc has the taint maintenance:NoExecute',
        producer: 'propagation-controller',
        creationTimestamp: '2026-11-30T12:00:00Z',
      },
    ]);
    const later = assessBindingEvictions(
      {
        ...binding,
        spec: {
          ...binding.spec,
          clusters: [{ name: 'pa', replicas: 6 }],
          gracefulEvictionTasks: out.tasks,
        },
      },
      [{ name: 'pa', replicas: 6 }],
      [member('pa'), member('pc', true)],
      [],
      { kind: deployment, replicas: 6, producer: 'p', gracePeriodSeconds: 1, now: at(1) },
    );
    expect(later.ended.map((e) => e.why)).toEqual(['Timeout']);
  });
});
