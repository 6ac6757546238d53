import { afterEach, describe, expect, it } from 'vitest';
import { DEPLOYMENTS } from '../../../api/index.js';
import { CLUSTERS, RESOURCE_BINDINGS, type ResourceBinding } from '../../apis/index.js';
import { FakeKubeClient } from '../../../machinery/testing/fake-kube-client.js';
import {
  binding,
  cluster,
  deployment,
  pipelineFixture,
  writes,
  type PipelineFixture,
} from './pipeline-fixture.js';
import { ANNOTATION_INTERPRETER_ERROR } from './binding-writer.js';

const KEY = 'default/web-deployment';
const DIVIDED = {
  clusterAffinity: { clusterNames: ['a', 'b'] },
  replicaScheduling: {
    replicaSchedulingType: 'Divided' as const,
    weightPreference: { dynamicWeight: 'AvailableReplicas' as const },
  },
};

let f: PipelineFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

/** One scheduling pass on `client`'s objects (a fresh cache, like a resync after a restart). */
async function pass(client: FakeKubeClient, ...clusters: ReturnType<typeof cluster>[]) {
  await f?.close();
  f = await pipelineFixture(
    clusters.map((c) => [CLUSTERS, c]),
    client,
  );
  await f.prop.scheduler.reconcile(KEY);
  const b = await client
    .resource<ResourceBinding>(RESOURCE_BINDINGS, 'default')
    .get('web-deployment');
  return { writes: writes(client), b };
}

describe('BindingScheduler', () => {
  it('keeps a Divided placement across resyncs, recomputes it when a cluster is tainted', async () => {
    const client = new FakeKubeClient();
    client.seed(DEPLOYMENTS, deployment(3));
    client.seed(RESOURCE_BINDINGS, binding(DIVIDED, 3));
    const first = await pass(client, cluster('a', { pods: 220 }), cluster('b', { pods: 110 }));
    expect(first.writes).toEqual([
      'update work.flotilla.io/resourcebindings web-deployment',
      'updateStatus work.flotilla.io/resourcebindings web-deployment',
    ]);
    expect(first.b.spec.clusters).toEqual([
      { name: 'a', replicas: 2 },
      { name: 'b', replicas: 1 },
    ]);
    expect(first.b.status?.conditions?.[0]).toMatchObject({ type: 'Scheduled', status: 'True' });
    // the members' pods come and go (heartbeats, allocations): the same answer, nothing written
    const busy = cluster('a', { pods: 220 });
    if (busy.status?.resourceSummary) busy.status.resourceSummary.allocatedPods = 200;
    const again = await pass(client, busy, cluster('b', { pods: 110 }));
    expect(again.writes).toEqual([]);
    // an untolerated NoExecute taint: placed again, b evicted gracefully
    const tainted = cluster('b', { pods: 110, taints: [{ key: 'x', effect: 'NoExecute' }] });
    const moved = await pass(client, busy, tainted);
    expect(moved.b.spec.clusters).toEqual([{ name: 'a', replicas: 3 }]);
    expect(moved.b.spec.gracefulEvictionTasks).toMatchObject([
      { fromCluster: 'b', replicas: 1, reason: 'TaintUntolerated' },
    ]);
  });

  it('reports a failed interpreter as Scheduled=False and leaves the clusters alone', async () => {
    const client = new FakeKubeClient();
    const b = binding(DIVIDED, 3, [{ name: 'a', replicas: 3 }]);
    b.metadata.annotations = { [ANNOTATION_INTERPRETER_ERROR]: 'rule failed' };
    client.seed(DEPLOYMENTS, deployment(3));
    client.seed(RESOURCE_BINDINGS, b);
    const out = await pass(client, cluster('a'), cluster('b'));
    expect(out.b.spec.clusters).toEqual([{ name: 'a', replicas: 3 }]);
    expect(out.b.status?.conditions?.[0]).toMatchObject({
      type: 'Scheduled',
      status: 'False',
      reason: 'InterpreterFailed',
      message: 'rule failed',
    });
  });
});
