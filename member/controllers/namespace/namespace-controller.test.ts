import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../machinery/meta.js';
import { CONFIGMAPS, NAMESPACES, PODS } from '../../../api/index.js';
import { startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import { pod } from '../testing/objects.js';
import { NamespaceController } from './namespace-controller.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const ns = (terminating: boolean): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name: 'default',
    finalizers: ['kubernetes'],
    ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  status: { phase: terminating ? 'Terminating' : 'Active' },
});

async function run(seed: FixtureSeed) {
  const f = await startFixture(seed, (ctx) => new NamespaceController(ctx), [{ gvr: NAMESPACES }]);
  fx = f;
  const res = await f.controller.reconcile('default');
  return { actions: f.client.actions.map((a) => `${a.verb} ${a.resource} ${a.name}`), res };
}

describe('NamespaceController', () => {
  it('deletes everything in a terminating namespace and checks again later', async () => {
    const cm: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'default' },
      data: {},
    };
    const { actions, res } = await run([
      [NAMESPACES, [ns(true)]],
      [PODS, [pod('p', 'web')]],
      [CONFIGMAPS, [cm]],
    ]);
    expect(actions).toEqual(['delete /pods p', 'delete /configmaps cfg']);
    expect(res).toEqual({ requeueAfterMs: 500 });
  });

  it('releases the kubernetes finalizer through namespaces/finalize once the namespace is empty', async () => {
    const f = await run([[NAMESPACES, [ns(true)]]]);
    expect(f.actions).toEqual(['subresource /namespaces default/finalize']);
    expect(fx?.client.actions[0]?.body).toMatchObject({
      metadata: { name: 'default' },
      spec: { finalizers: [] },
    });
  });

  it('sets phase Terminating on a deleted namespace before deleting its content', async () => {
    const deleted = ns(true);
    deleted.status = { phase: 'Active' };
    const { actions } = await run([
      [NAMESPACES, [deleted]],
      [PODS, [pod('p', 'web')]],
    ]);
    expect(actions).toEqual(['updateStatus /namespaces default', 'delete /pods p']);
    expect(fx?.client.actions[0]?.body).toMatchObject({ status: { phase: 'Terminating' } });
  });

  it('ignores active namespaces', async () => {
    expect(
      (
        await run([
          [NAMESPACES, [ns(false)]],
          [PODS, [pod('p', 'web')]],
        ])
      ).actions,
    ).toEqual([]);
  });
});
