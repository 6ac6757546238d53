import { afterEach, describe, expect, it } from 'vitest';
import { DEPLOYMENTS, PODS, REPLICASETS } from '../../../api/index.js';
import { startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import { ownerRef, pod, replicaSet } from '../testing/objects.js';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, GarbageCollector } from './garbage-collector.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function run(seed: FixtureSeed, key: string) {
  const f = await startFixture(seed, (ctx) => new GarbageCollector(ctx), [
    { gvr: DEPLOYMENTS },
    { gvr: REPLICASETS },
    { gvr: PODS },
  ]);
  fx = f;
  await f.controller.reconcile(key);
  return f.client.actions;
}

describe('GarbageCollector', () => {
  it('deletes a dependent whose owner is gone', async () => {
    const actions = await run([[PODS, [pod('p', 'web', { owner: 'web-1' })]]], '/pods|default/p');
    expect(actions).toEqual([
      {
        verb: 'delete',
        resource: '/pods',
        namespace: 'default',
        name: 'p',
        body: { propagationPolicy: 'Background' },
      },
    ]);
  });

  it('keeps dependents whose owner exists with the same uid', async () => {
    const actions = await run(
      [
        [REPLICASETS, [replicaSet('web-1', 'web', 1)]],
        [PODS, [pod('p', 'web', { owner: 'web-1' })]],
      ],
      '/pods|default/p',
    );
    expect(actions).toEqual([]);
  });

  it('orphans dependents of an owner deleted with the orphan finalizer, then releases it', async () => {
    const rs = replicaSet('web-1', 'web', 1, 1, {
      deletionTimestamp: '2026-01-01T00:00:00Z',
      finalizers: [FINALIZER_ORPHAN],
    });
    const actions = await run(
      [
        [REPLICASETS, [rs]],
        [PODS, [pod('p', 'web', { owner: 'web-1' })]],
      ],
      'apps/replicasets|default/web-1',
    );
    expect(actions.map((a) => [a.verb, a.resource, a.name, a.body])).toEqual([
      ['patch', '/pods', 'p', { metadata: { ownerReferences: null } }],
      ['patch', 'apps/replicasets', 'web-1', { metadata: { finalizers: [] } }],
    ]);
  });

  it('releases a pod deleted in the foreground at once: it has no dependents', async () => {
    const p = pod('p', 'web', { owner: 'web-1' });
    p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    p.metadata.finalizers = [FINALIZER_FOREGROUND];
    const actions = await run(
      [
        [REPLICASETS, [replicaSet('web-1', 'web', 1)]],
        [PODS, [p]],
      ],
      '/pods|default/p',
    );
    expect(actions.map((a) => [a.verb, a.resource, a.name, a.body])).toEqual([
      ['patch', '/pods', 'p', { metadata: { finalizers: [] } }],
    ]);
  });

  it('deletes dependents first for foreground deletion', async () => {
    const rs = replicaSet('web-1', 'web', 1, 1, {
      deletionTimestamp: '2026-01-01T00:00:00Z',
      finalizers: [FINALIZER_FOREGROUND],
      ownerReferences: [ownerRef('Deployment', 'web')],
    });
    const actions = await run(
      [
        [REPLICASETS, [rs]],
        [PODS, [pod('p', 'web', { owner: 'web-1' })]],
      ],
      'apps/replicasets|default/web-1',
    );
    expect(actions).toEqual([
      {
        verb: 'delete',
        resource: '/pods',
        namespace: 'default',
        name: 'p',
        body: { propagationPolicy: 'Foreground' },
      },
    ]);
  });
});
