import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  LEASES,
  NODES,
  PODS,
  type Lease,
  type Node,
  type Pod,
  type Toleration,
} from '../../../api/index.js';
import { FIXTURE_NOW, startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import { pod } from '../testing/objects.js';
import { NodeLifecycleController, TAINT_UNREACHABLE } from './node-lifecycle-controller.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const ago = (s: number): string => new Date(FIXTURE_NOW.getTime() - s * 1000).toISOString();

function node(taintedSecondsAgo?: number): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', creationTimestamp: ago(3600) },
    spec:
      taintedSecondsAgo === undefined
        ? {}
        : {
            taints: [
              { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: ago(taintedSecondsAgo) },
            ],
          },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: ago(60) },
      ],
    },
  };
}

function lease(renewedSecondsAgo: number): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'n1', namespace: 'kube-node-lease' },
    spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: ago(renewedSecondsAgo) },
  };
}

/**
 * Reconciles n1 once; with `observedForMs`, once more that long later on the monotonic clock (the
 * controller first sees a Lease as renewed at that sighting, so staleness needs two).
 */
async function run(seed: FixtureSeed, observedForMs?: number) {
  let mono = 0;
  const f = await startFixture(
    seed,
    (ctx) =>
      new NodeLifecycleController(ctx, {
        gracePeriodMs: 40_000,
        evictionTimeoutMs: 30_000,
        monitorPeriodMs: 1000,
        monotonicNow: () => mono,
      }),
    [{ gvr: NODES }, { gvr: PODS }, { gvr: LEASES, namespace: 'kube-node-lease' }],
  );
  fx = f;
  let res = await f.controller.reconcile('n1');
  if (observedForMs !== undefined) {
    mono += observedForMs;
    res = await f.controller.reconcile('n1');
  }
  return { actions: f.client.actions, res };
}

describe('NodeLifecycleController', () => {
  it('marks a node whose Lease is older than the grace period Ready=Unknown and taints it unreachable', async () => {
    const { actions, res } = await run(
      [
        [NODES, [node()]],
        [LEASES, [lease(60)]],
      ],
      40_001,
    );
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      'updateStatus /nodes n1',
      'patch /nodes n1',
    ]);
    expect((actions[0]?.body as Node).status?.conditions).toEqual([
      {
        type: 'Ready',
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
        lastTransitionTime: FIXTURE_NOW.toISOString(),
        lastHeartbeatTime: ago(60),
      },
    ]);
    expect(actions[1]?.body).toEqual({
      spec: {
        taints: [
          { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: FIXTURE_NOW.toISOString() },
        ],
      },
    });
    expect(res).toEqual({ requeueAfterMs: 1000 });
  });

  it('evicts the pods of a node tainted longer than the eviction timeout', async () => {
    const n = node(31);
    n.status = { conditions: [{ type: 'Ready', status: 'Unknown' }] };
    const { actions } = await run([
      [NODES, [n]],
      [LEASES, [lease(90)]],
      [PODS, [pod('a', 'web', { node: 'n1' }), pod('b', 'web', { node: 'n2' })]],
    ]);
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual(['delete /pods a']);
  });

  it('keeps pods tolerating the NoExecute taint, for their tolerationSeconds when set', async () => {
    const n = node(31);
    n.status = { conditions: [{ type: 'Ready', status: 'Unknown' }] };
    const tolerating = (name: string, tolerations: Toleration[]): Pod => {
      const p = pod(name, 'web', { node: 'n1' });
      p.spec.tolerations = tolerations;
      return p;
    };
    const { actions } = await run([
      [NODES, [n]],
      [LEASES, [lease(90)]],
      [
        PODS,
        [
          pod('plain', 'web', { node: 'n1' }),
          tolerating('forever', [
            { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
          ]),
          tolerating('any-key', [{ operator: 'Exists' }]),
          tolerating('for-60s', [
            { key: TAINT_UNREACHABLE, operator: 'Exists', tolerationSeconds: 60 },
          ]),
          tolerating('for-20s', [
            {
              key: TAINT_UNREACHABLE,
              operator: 'Exists',
              effect: 'NoExecute',
              tolerationSeconds: 20,
            },
          ]),
          tolerating('min-wins', [
            { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
            { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
          ]),
          tolerating('other-taint', [
            { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
          ]),
          tolerating('no-schedule-only', [
            { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoSchedule' },
          ]),
        ],
      ],
    ]);
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`).sort()).toEqual([
      'delete /pods for-20s',
      'delete /pods min-wins',
      'delete /pods no-schedule-only',
      'delete /pods other-taint',
      'delete /pods plain',
    ]);
  });

  it('evicts tolerating pods before the eviction timeout once their tolerationSeconds pass', async () => {
    const n = node(5);
    n.status = { conditions: [{ type: 'Ready', status: 'Unknown' }] };
    const p = pod('short', 'web', { node: 'n1' });
    p.spec.tolerations = [{ key: TAINT_UNREACHABLE, operator: 'Exists', tolerationSeconds: 3 }];
    const { actions } = await run([
      [NODES, [n]],
      [LEASES, [lease(90)]],
      [PODS, [p, pod('plain', 'web', { node: 'n1' })]],
    ]);
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual(['delete /pods short']);
  });

  it('removes the taint once the Lease is renewed again, and leaves healthy nodes alone', async () => {
    const { actions } = await run([
      [NODES, [node(100)]],
      [LEASES, [lease(5)]],
    ]);
    expect(actions).toEqual([
      {
        verb: 'patch',
        resource: '/nodes',
        namespace: undefined,
        name: 'n1',
        body: { spec: { taints: [] } },
      },
    ]);
    await fx?.stop();
    const healthy = await run([
      [NODES, [node()]],
      [LEASES, [lease(5)]],
    ]);
    expect(healthy.actions).toEqual([]);
  });

  it('gives a node first seen with an old renewTime (a controller started during a clock jump) a full grace period from that sighting', async () => {
    const first = await run([
      [NODES, [node()]],
      [LEASES, [lease(600)]],
    ]);
    expect(first.actions).toEqual([]);
    await fx?.stop();
    const later = await run(
      [
        [NODES, [node()]],
        [LEASES, [lease(600)]],
      ],
      39_000,
    );
    expect(later.actions).toEqual([]);
  });

  it('keeps the taint of a node with no sign of life since (Ready Unknown, no renewal seen) after a restart, and lifts it on the first renewal it sees', async () => {
    const n = node(10);
    n.status = { conditions: [{ type: 'Ready', status: 'Unknown' }] };
    let mono = 0;
    const f = await startFixture(
      [
        [NODES, [n]],
        [LEASES, [lease(90)]],
      ],
      (ctx) =>
        new NodeLifecycleController(ctx, { gracePeriodMs: 40_000, monotonicNow: () => mono }),
      [{ gvr: NODES }, { gvr: PODS }, { gvr: LEASES, namespace: 'kube-node-lease' }],
    );
    fx = f;
    await f.controller.reconcile('n1');
    expect(f.client.actions).toEqual([]);
    // the kubelet renews (the fake client has no watch: the informer's cache answers the new Lease)
    const leases = f.ctx.informers.for<Lease>(LEASES, { namespace: 'kube-node-lease' });
    vi.spyOn(leases, 'get').mockReturnValue(lease(0));
    mono += 1000;
    await f.controller.reconcile('n1');
    expect(f.client.actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      'patch /nodes n1',
    ]);
  });

  it('does not take a wall-clock jump for a missed renewal; a Lease that stops changing still goes stale', async () => {
    const now = new Date(FIXTURE_NOW);
    let mono = 1_000_000;
    const f = await startFixture(
      [
        [NODES, [node()]],
        [LEASES, [lease(5)]],
      ],
      (ctx) =>
        new NodeLifecycleController(ctx, { gracePeriodMs: 40_000, monotonicNow: () => mono }),
      [{ gvr: NODES }, { gvr: LEASES, namespace: 'kube-node-lease' }],
      now,
    );
    fx = f;
    await f.controller.reconcile('n1');
    // the host clock steps 10 min ahead, then 10 min behind: the Lease (renewed 5 s ago) is fresh
    for (const step of [600_000, -1_200_000]) {
      now.setTime(now.getTime() + step);
      mono += 2000;
      await f.controller.reconcile('n1');
    }
    expect(f.client.actions).toEqual([]);
    // no renewal for longer than the grace period on the monotonic clock: stale
    mono += 40_000;
    await f.controller.reconcile('n1');
    expect(f.client.actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      'updateStatus /nodes n1',
      'patch /nodes n1',
    ]);
  });
});
