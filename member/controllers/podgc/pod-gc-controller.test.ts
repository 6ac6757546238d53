import { afterEach, describe, expect, it } from 'vitest';
import { NODES, PODS, type Node } from '../../../api/index.js';
import { startFixture, type Fixture } from '../testing/fixture.js';
import { pod } from '../testing/objects.js';
import { PodGcController } from './pod-gc-controller.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } };

async function run(quarantineMs: number) {
  const f = await startFixture(
    [
      [NODES, [node]],
      [PODS, [pod('a', 'web', { node: 'n1' }), pod('b', 'web', { node: 'gone' }), pod('c', 'web')]],
    ],
    (ctx) => new PodGcController(ctx, { quarantineMs }),
    [{ gvr: NODES }, { gvr: PODS }],
  );
  fx = f;
  return f;
}

describe('PodGcController', () => {
  it('force-deletes, by uid, a pod whose node is gone', async () => {
    const f = await run(0);
    for (const k of ['default/a', 'default/b', 'default/c']) await f.controller.reconcile(k);
    expect(f.client.actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      'delete /pods b',
    ]);
    expect(f.client.actions[0]?.body).toEqual({
      gracePeriodSeconds: 0,
      preconditions: { uid: 'uid-b' },
    });
  });

  it('waits out the quarantine first: a missing node may be one the cache has not seen yet', async () => {
    const f = await run(40_000);
    expect(await f.controller.reconcile('default/b')).toEqual({ requeueAfterMs: 40_000 });
    expect(f.client.actions).toEqual([]);
  });

  it('keeps the pod when a live read finds the node after all', async () => {
    const f = await run(0);
    f.client.seed(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'gone' } });
    expect(await f.controller.reconcile('default/b')).toEqual({ requeueAfterMs: 10_000 });
    expect(f.client.actions).toEqual([]);
  });
});
