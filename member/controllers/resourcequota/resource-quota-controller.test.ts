import { afterEach, describe, expect, it } from 'vitest';
import {
  CONFIGMAPS,
  DEPLOYMENTS,
  PODS,
  RESOURCEQUOTAS,
  type Pod,
  type ResourceQuota,
} from '../../../api/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import { pod } from '../testing/objects.js';
import { ResourceQuotaController } from './resource-quota-controller.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const quota = (hard: Record<string, string>, status?: ResourceQuota['status']): ResourceQuota => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'q', namespace: 'default', resourceVersion: '3' },
  spec: { hard },
  ...(status ? { status } : {}),
});

const withCpu = (p: Pod, cpu: string, memory?: string): Pod => {
  const c = p.spec.containers[0];
  if (c) c.resources = { requests: { cpu, ...(memory ? { memory } : {}) }, limits: { cpu } };
  return p;
};

const cm = (name: string, namespace = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
});

async function run(seed: FixtureSeed) {
  const f = await startFixture(seed, (ctx) => new ResourceQuotaController(ctx), [
    { gvr: RESOURCEQUOTAS },
    { gvr: PODS },
    { gvr: CONFIGMAPS },
  ]);
  fx = f;
  return f;
}

describe('ResourceQuotaController', () => {
  it('writes status.hard and status.used: pods, requests, limits, counts', async () => {
    const done = pod('done', 'web');
    done.status = { phase: 'Succeeded' };
    const f = await run([
      [
        RESOURCEQUOTAS,
        [
          quota({
            pods: '10',
            'requests.cpu': '2',
            'limits.cpu': '4',
            'requests.memory': '1Gi',
            configmaps: '5',
            'count/configmaps': '5',
          }),
        ],
      ],
      [
        PODS,
        [
          withCpu(pod('a', 'web'), '250m', '64Mi'),
          withCpu(pod('b', 'web'), '1', '64Mi'),
          withCpu(done, '1'),
          { ...pod('elsewhere', 'web'), metadata: { name: 'x', namespace: 'other' } },
        ],
      ],
      [CONFIGMAPS, [cm('c1'), cm('c2'), cm('c3', 'other')]],
    ]);
    await f.controller.reconcile('default/q');
    const actions = f.client.actions;
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      'updateStatus /resourcequotas q',
    ]);
    expect((actions[0]?.body as ResourceQuota).status).toEqual({
      hard: {
        pods: '10',
        'requests.cpu': '2',
        'limits.cpu': '4',
        'requests.memory': '1Gi',
        configmaps: '5',
        'count/configmaps': '5',
      },
      used: {
        pods: '2',
        'requests.cpu': '1250m',
        'limits.cpu': '1250m',
        'requests.memory': '128Mi',
        configmaps: '2',
        'count/configmaps': '2',
      },
    });
  });

  it('is idempotent: an up-to-date status is not written again', async () => {
    const f = await run([
      [
        RESOURCEQUOTAS,
        [
          quota(
            { pods: '2', configmaps: '1' },
            { hard: { pods: '2', configmaps: '1' }, used: { pods: '1', configmaps: '0' } },
          ),
        ],
      ],
      [PODS, [pod('a', 'web')]],
    ]);
    await f.controller.reconcile('default/q');
    expect(f.client.actions).toEqual([]);
  });

  it('counts a kind named only by count/<resource>.<group> once its informer listed', async () => {
    const f = await run([
      [RESOURCEQUOTAS, [quota({ 'count/deployments.apps': '3' })]],
      [
        DEPLOYMENTS,
        [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'd', namespace: 'default' },
          },
        ],
      ],
    ]);
    let out = await f.controller.reconcile('default/q');
    // the deployments informer was made by this reconcile: retried once it has listed
    for (let i = 0; out !== undefined && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      out = await f.controller.reconcile('default/q');
    }
    expect(out).toBeUndefined();
    const body = f.client.actions.at(-1)?.body as ResourceQuota;
    expect(body.status?.used).toEqual({ 'count/deployments.apps': '1' });
  });

  it('does nothing for a quota that is gone', async () => {
    const f = await run([]);
    await f.controller.reconcile('default/q');
    expect(f.client.actions).toEqual([]);
  });
});
