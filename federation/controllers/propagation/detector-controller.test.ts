import { afterEach, describe, expect, it } from 'vitest';
import { DEPLOYMENTS } from '../../../api/index.js';
import {
  CLUSTERS,
  PROPAGATION_POLICIES,
  RESOURCE_BINDINGS,
  type ResourceBinding,
} from '../../apis/index.js';
import {
  binding,
  cluster,
  deployment,
  pipelineFixture,
  policy,
  writes,
  type PipelineFixture,
} from './pipeline-fixture.js';

const KEY = 'apps/deployments|default/web';
let f: PipelineFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('ResourceDetector', () => {
  it('binds a template to its highest-priority policy, leaving placement to the scheduler', async () => {
    const low = policy('low', { clusterAffinity: { clusterNames: ['a'] } }, 1);
    const high = policy('high', { clusterAffinity: { clusterNames: ['b'] } }, 5);
    f = await pipelineFixture([
      [DEPLOYMENTS, deployment(4)],
      [PROPAGATION_POLICIES, low],
      [PROPAGATION_POLICIES, high],
      [CLUSTERS, cluster('a')],
      [CLUSTERS, cluster('b')],
    ]);
    await f.prop.detector.reconcile(KEY);
    expect(writes(f.client)).toEqual([
      'patch apps/deployments web',
      'create work.flotilla.io/resourcebindings web-deployment',
    ]);
    const b = await f.client
      .resource<ResourceBinding>(RESOURCE_BINDINGS, 'default')
      .get('web-deployment');
    expect(b.spec).toMatchObject({
      resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web' },
      policy: { namespace: 'default', name: 'high' },
      placement: { clusterAffinity: { clusterNames: ['b'] } },
      replicas: 4,
      clusters: [],
    });
    // the template's version as bound (after the finalizer patch)
    expect(b.spec.resource.resourceVersion).toMatch(/^\d+$/);
  });

  it('keeps what the scheduler decided when the template changes', async () => {
    const placement = { clusterAffinity: { clusterNames: ['a'] } };
    const bound = binding(placement, 2, [{ name: 'a', replicas: 2 }]);
    f = await pipelineFixture([
      [DEPLOYMENTS, deployment(5)],
      [PROPAGATION_POLICIES, policy('pp', placement)],
      [CLUSTERS, cluster('a')],
      [RESOURCE_BINDINGS, bound],
    ]);
    await f.prop.detector.reconcile(KEY);
    const b = await f.client
      .resource<ResourceBinding>(RESOURCE_BINDINGS, 'default')
      .get('web-deployment');
    expect(b.spec.replicas).toBe(5);
    expect(b.spec.clusters).toEqual([{ name: 'a', replicas: 2 }]);
  });

  it('unbinds a template no policy selects: placement out first, then the binding', async () => {
    f = await pipelineFixture([
      [DEPLOYMENTS, deployment(2)],
      [CLUSTERS, cluster('a')],
      [RESOURCE_BINDINGS, binding({}, 2)],
    ]);
    await f.prop.detector.reconcile(KEY);
    expect(writes(f.client)).toEqual([
      'update work.flotilla.io/resourcebindings web-deployment',
      'delete work.flotilla.io/resourcebindings web-deployment',
    ]);
  });
});
