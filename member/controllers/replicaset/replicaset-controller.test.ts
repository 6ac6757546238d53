import { afterEach, describe, expect, it } from 'vitest';
import { InternalError, InvalidError } from '../../../machinery/errors/index.js';
import { PODS, REPLICASETS, type ReplicaSet } from '../../../api/index.js';
import { FIXTURE_NOW, startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import { ownerRef, pod, replicaSet } from '../testing/objects.js';
import { ReplicaSetController } from './replicaset-controller.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function run(seed: FixtureSeed, key = 'default/web-1') {
  const f = await startFixture(seed, (ctx) => new ReplicaSetController(ctx), [
    { gvr: PODS },
    { gvr: REPLICASETS },
  ]);
  fx = f;
  await f.controller.reconcile(key);
  return f.client.actions.map((a) => ({ ...a }));
}

describe('ReplicaSetController', () => {
  it('creates the missing pods with a controller ownerReference, then writes status', async () => {
    const actions = await run([
      [REPLICASETS, [replicaSet('web-1', 'web', 3, 0, {})]],
      [PODS, [pod('web-1-a', 'web', { owner: 'web-1', node: 'n1', ready: true })]],
    ]);
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      'create /pods web-1-',
      'create /pods web-1-',
      'updateStatus apps/replicasets web-1',
    ]);
    expect(actions[0]?.body).toMatchObject({
      metadata: {
        generateName: 'web-1-',
        namespace: 'default',
        labels: { app: 'web' },
        ownerReferences: [ownerRef('ReplicaSet', 'web-1')],
      },
      spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
    });
    expect(actions[2]?.body).toMatchObject({
      status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 },
    });
  });

  it('deletes unscheduled, then not-ready pods first when scaling down', async () => {
    const actions = await run([
      [REPLICASETS, [replicaSet('web-1', 'web', 1, 1)]],
      [
        PODS,
        [
          pod('ready', 'web', { owner: 'web-1', node: 'n1', ready: true }),
          pod('notready', 'web', { owner: 'web-1', node: 'n2', ready: false }),
          pod('pending', 'web', { owner: 'web-1' }),
        ],
      ],
    ]);
    expect(
      actions
        .filter((a) => a.verb === 'delete')
        .map((a) => a.name)
        .sort(),
    ).toEqual(['notready', 'pending']);
  });

  it('does nothing when pods and status already match', async () => {
    const actions = await run([
      [REPLICASETS, [replicaSet('web-1', 'web', 2, 2)]],
      [
        PODS,
        [
          pod('a', 'web', { owner: 'web-1', node: 'n1', ready: true }),
          pod('b', 'web', { owner: 'web-1', node: 'n2', ready: true }),
          pod('stranger', 'web', { owner: 'other', node: 'n2', ready: true }),
        ],
      ],
    ]);
    expect(actions).toEqual([]);
  });

  it('adopts an orphan pod matching its selector instead of creating one', async () => {
    const actions = await run([
      [REPLICASETS, [replicaSet('web-1', 'web', 1, 1)]],
      [PODS, [pod('orphan', 'web', { node: 'n1', ready: true })]],
    ]);
    expect(actions).toEqual([
      {
        verb: 'patch',
        resource: '/pods',
        namespace: 'default',
        name: 'orphan',
        body: {
          metadata: { ownerReferences: [ownerRef('ReplicaSet', 'web-1')], uid: 'uid-orphan' },
        },
      },
    ]);
  });

  it('reports a refused create as ReplicaFailure without retrying, but retries transient errors', async () => {
    const f = await startFixture(
      [[REPLICASETS, [replicaSet('web-1', 'web', 1, 0)]]],
      (ctx) => new ReplicaSetController(ctx),
      [{ gvr: PODS }, { gvr: REPLICASETS }],
    );
    fx = f;
    f.client.reactors.push((a) =>
      a.verb === 'create'
        ? new InvalidError('Pod "x" is invalid: spec.containers[0].image: Required value')
        : undefined,
    );
    await f.controller.reconcile('default/web-1');
    expect(f.client.actions.map((a) => a.verb)).toEqual(['create', 'updateStatus']);
    expect((f.client.actions[1]?.body as ReplicaSet).status?.conditions).toEqual([
      {
        type: 'ReplicaFailure',
        status: 'True',
        reason: 'FailedCreate',
        message: 'Pod "x" is invalid: spec.containers[0].image: Required value',
        lastTransitionTime: FIXTURE_NOW.toISOString(),
      },
    ]);
    f.client.reactors.splice(0, 1, (a) =>
      a.verb === 'create' ? new InternalError('etcd unavailable') : undefined,
    );
    await expect(f.controller.reconcile('default/web-1')).rejects.toBeInstanceOf(InternalError);
  });

  it('finishes quietly for a ReplicaSet that no longer exists', async () => {
    expect(await run([], 'default/gone')).toEqual([]);
  });
});
