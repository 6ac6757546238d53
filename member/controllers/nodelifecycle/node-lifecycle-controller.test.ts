import { afterEach, describe, expect, it } from 'vitest';
import { LEASES, NODES, PODS, type Lease, type Node } from '../../apis/index.js';
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

async function run(seed: FixtureSeed) {
  const f = await startFixture(
    seed,
    (ctx) =>
      new NodeLifecycleController(ctx, {
        gracePeriodMs: 40_000,
        evictionTimeoutMs: 30_000,
        monitorPeriodMs: 1000,
      }),
    [{ gvr: NODES }, { gvr: PODS }, { gvr: LEASES, namespace: 'kube-node-lease' }],
  );
  fx = f;
  const res = await f.controller.reconcile('n1');
  return { actions: f.client.actions, res };
}

describe('NodeLifecycleController', () => {
  it('marks a node whose Lease is older than the grace period Ready=Unknown and taints it unreachable', async () => {
    const { actions, res } = await run([
      [NODES, [node()]],
      [LEASES, [lease(60)]],
    ]);
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
});
