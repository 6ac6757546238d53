import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEPLOYMENTS } from '../../../api/index.js';
import {
  CLUSTERS,
  RESOURCE_BINDINGS,
  WORKS,
  type ResourceBinding,
  type Work,
} from '../../apis/index.js';
import { workName } from '../../apis/work-types.js';
import { STATUS_HOLD_MS } from './binding-controller.js';
import {
  binding,
  cluster,
  deployment,
  pipelineFixture,
  type PipelineFixture,
} from './pipeline-fixture.js';

const KEY = 'default/web-deployment';
const SCHEDULED: NonNullable<ResourceBinding['status']> = {
  conditions: [{ type: 'Scheduled', status: 'True', reason: 'Success', message: 'placed' }],
};

let f: PipelineFixture | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await f?.close();
  f = undefined;
});

const works = async (f: PipelineFixture, cluster: string): Promise<Work[]> =>
  (await f.client.resource<Work>(WORKS, `fed-es-${cluster}`).list()).items;

describe('BindingController', () => {
  it('writes a Pull cluster’s copy, with its share of the replicas, into a Work', async () => {
    const b = binding({}, 3, [{ name: 'p1', replicas: 3 }]);
    b.status = SCHEDULED;
    f = await pipelineFixture([
      [DEPLOYMENTS, deployment(3)],
      [CLUSTERS, cluster('p1', { pull: true })],
      [RESOURCE_BINDINGS, b],
    ]);
    await f.prop.binding.reconcile(KEY);
    const [work] = await works(f, 'p1');
    const manifest = work?.spec.workload.manifests[0] as { spec?: { replicas?: number } };
    expect(manifest.spec?.replicas).toBe(3);
    const written = await f.client
      .resource<ResourceBinding>(RESOURCE_BINDINGS, 'default')
      .get('web-deployment');
    expect(written.status?.aggregatedStatus?.map((a) => a.clusterName)).toEqual(['p1']);
    expect(written.status?.conditions?.map((c) => c.type)).toEqual(['Scheduled', 'FullyApplied']);
  });

  it('writes a Deployment scaled to 0 into every cluster named, not releasing it', async () => {
    const b = binding({}, 0, [
      { name: 'p1', replicas: 0 },
      { name: 'p2', replicas: 0 },
    ]);
    b.status = SCHEDULED;
    f = await pipelineFixture([
      [DEPLOYMENTS, deployment(0)],
      [CLUSTERS, cluster('p1', { pull: true })],
      [CLUSTERS, cluster('p2', { pull: true })],
      [RESOURCE_BINDINGS, b],
    ]);
    await f.prop.binding.reconcile(KEY);
    for (const c of ['p1', 'p2']) {
      const [work] = await works(f, c);
      const manifest = work?.spec.workload.manifests[0] as { spec?: { replicas?: number } };
      expect(manifest.spec?.replicas, c).toBe(0);
    }
  });

  it('releases a cluster the binding no longer names, listed until it is released', async () => {
    const b = binding({}, 2, [{ name: 'p1', replicas: 2 }]);
    b.status = {
      ...SCHEDULED,
      aggregatedStatus: [
        { clusterName: 'p1', applied: true },
        { clusterName: 'p2', applied: true },
      ],
    };
    const name = workName('Deployment', 'default', 'web');
    // what the earlier placement left in p2
    const left: Work = {
      apiVersion: 'work.flotilla.io/v1alpha1',
      kind: 'Work',
      metadata: { name, namespace: 'fed-es-p2' },
      spec: { workload: { manifests: [deployment(2)] } },
    };
    f = await pipelineFixture([
      [DEPLOYMENTS, deployment(2)],
      [CLUSTERS, cluster('p1', { pull: true })],
      [CLUSTERS, cluster('p2', { pull: true })],
      [RESOURCE_BINDINGS, b],
      [WORKS, left],
    ]);
    await f.prop.binding.reconcile(KEY);
    const get = (): Promise<ResourceBinding> =>
      f?.client.resource<ResourceBinding>(RESOURCE_BINDINGS, 'default').get('web-deployment') ??
      Promise.reject(new Error('no fixture'));
    expect((await get()).status?.aggregatedStatus).toMatchObject([
      { clusterName: 'p1' },
      { clusterName: 'p2', applied: false, appliedMessage: 'being released from cluster p2' },
    ]);
    // p2's execution queue carries the release out (the Work is deleted)...
    const running = f.prop.execution.run(f.signal);
    const deleted = (): boolean =>
      f?.client.actions.some((a) => a.verb === 'delete' && a.name === name) ?? false;
    await expect.poll(deleted).toBe(true);
    // ...and the binding stops listing p2
    await f.prop.binding.reconcile(KEY);
    expect((await get()).status?.aggregatedStatus?.map((a) => a.clusterName)).toEqual(['p1']);
    await f.close();
    f = undefined;
    await running;
  });

  it('holds the status while a member’s first write is under way, then shows it waiting', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const b = binding({}, 2, [
      { name: 'p1', replicas: 1 },
      { name: 'm1', replicas: 1 },
    ]);
    b.status = SCHEDULED;
    f = await pipelineFixture([
      [DEPLOYMENTS, deployment(2)],
      [CLUSTERS, cluster('p1', { pull: true })],
      // a Push member: its write waits in its execution queue (not running here)
      [CLUSTERS, cluster('m1')],
      [RESOURCE_BINDINGS, b],
    ]);
    const statusWrites = (): number =>
      f?.client.actions.filter(
        (a) => a.verb === 'updateStatus' && a.resource === 'work.flotilla.io/resourcebindings',
      ).length ?? 0;
    const first = await f.prop.binding.reconcile(KEY);
    expect(statusWrites()).toBe(0);
    // back when the hold ends at the latest (m1's outcome would bring it back sooner)
    expect(first?.requeueAfterMs).toBeGreaterThan(0);
    expect(first?.requeueAfterMs).toBeLessThanOrEqual(STATUS_HOLD_MS);
    vi.advanceTimersByTime(STATUS_HOLD_MS / 2);
    await f.prop.binding.reconcile(KEY);
    expect(statusWrites()).toBe(0);
    vi.advanceTimersByTime(STATUS_HOLD_MS / 2);
    await f.prop.binding.reconcile(KEY);
    expect(statusWrites()).toBe(1);
    const written = await f.client
      .resource<ResourceBinding>(RESOURCE_BINDINGS, 'default')
      .get('web-deployment');
    expect(written.status?.aggregatedStatus).toMatchObject([
      { clusterName: 'p1' },
      { clusterName: 'm1', applied: false, appliedMessage: 'waiting to be written to cluster m1' },
    ]);
  });
});
