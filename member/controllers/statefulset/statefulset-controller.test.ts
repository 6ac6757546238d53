import { afterEach, describe, expect, it } from 'vitest';
import {
  CONTROLLERREVISIONS,
  PODS,
  STATEFULSETS,
  type ControllerRevision,
  type Pod,
  type StatefulSet,
} from '../../../api/index.js';
import { revisionData } from '../controller-history.js';
import { templateHash } from '../pod-template.js';
import { startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import { ownerRef, template } from '../testing/objects.js';
import { statefulPod } from './stateful-pods.js';
import { StatefulSetController } from './statefulset-controller.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

function sts(
  replicas: number,
  spec: Partial<StatefulSet['spec']> = {},
  image = 'busybox:1',
): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', generation: 1 },
    spec: {
      replicas,
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: template('web', image),
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      ...spec,
    },
  };
}

function revision(set: StatefulSet, n: number): ControllerRevision {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revName(set),
      namespace: 'default',
      ownerReferences: [ownerRef('StatefulSet', 'web')],
    },
    data: revisionData(set.spec.template),
    revision: n,
  };
}

const revName = (set: StatefulSet): string => `web-${templateHash(set.spec.template)}`;

/** Pod `web-<i>` as the controller made it, running and `ready` or not. */
function member(set: StatefulSet, i: number, ready = true): Pod {
  const p = statefulPod(set, i, set.spec.template, revName(set));
  p.metadata.uid = `uid-web-${String(i)}`;
  p.status = {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
  };
  return p;
}

async function run(seed: FixtureSeed) {
  const f = await startFixture(seed, (ctx) => new StatefulSetController(ctx), [
    { gvr: PODS },
    { gvr: STATEFULSETS },
    { gvr: CONTROLLERREVISIONS },
  ]);
  fx = f;
  await f.controller.reconcile('default/web');
  return f.client.actions;
}

const summary = (a: { verb: string; resource: string; name: string }) =>
  `${a.verb} ${a.resource} ${a.name}`;

describe('StatefulSetController', () => {
  it('records a ControllerRevision and creates web-0 first, with its DNS identity', async () => {
    const set = sts(3);
    const actions = await run([[STATEFULSETS, [set]]]);
    expect(actions.map(summary)).toEqual([
      `create apps/controllerrevisions ${revName(set)}`,
      'create /pods web-0',
      'updateStatus apps/statefulsets web',
    ]);
    expect(actions[0]?.body).toMatchObject({ revision: 1, data: revisionData(set.spec.template) });
    expect(actions[1]?.body).toMatchObject({
      metadata: {
        name: 'web-0',
        labels: {
          app: 'web',
          'statefulset.kubernetes.io/pod-name': 'web-0',
          'apps.kubernetes.io/pod-index': '0',
          'controller-revision-hash': revName(set),
        },
        ownerReferences: [ownerRef('StatefulSet', 'web')],
      },
      spec: { hostname: 'web-0', subdomain: 'web' },
    });
  });

  it('OrderedReady waits for the previous pod to be Ready', async () => {
    const set = sts(3);
    const actions = await run([
      [STATEFULSETS, [set]],
      [CONTROLLERREVISIONS, [revision(set, 1)]],
      [PODS, [member(set, 0), member(set, 1, false)]],
    ]);
    expect(actions.map(summary)).toEqual(['updateStatus apps/statefulsets web']);
    expect((actions[0]?.body as StatefulSet).status).toEqual({
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 1,
      currentReplicas: 2,
      updatedReplicas: 2,
      availableReplicas: 1,
      currentRevision: revName(set),
      updateRevision: revName(set),
      collisionCount: 0,
    });
  });

  it('OrderedReady creates the next ordinal once the lower ones are Ready', async () => {
    const set = sts(3);
    const actions = await run([
      [STATEFULSETS, [set]],
      [CONTROLLERREVISIONS, [revision(set, 1)]],
      [PODS, [member(set, 0), member(set, 1)]],
    ]);
    expect(actions.map(summary)).toEqual([
      'create /pods web-2',
      'updateStatus apps/statefulsets web',
    ]);
  });

  it('Parallel creates every missing pod at once', async () => {
    const set = sts(3, { podManagementPolicy: 'Parallel' });
    const actions = await run([
      [STATEFULSETS, [set]],
      [CONTROLLERREVISIONS, [revision(set, 1)]],
    ]);
    expect(actions.map(summary)).toEqual([
      'create /pods web-0',
      'create /pods web-1',
      'create /pods web-2',
      'updateStatus apps/statefulsets web',
    ]);
  });

  it('scales down in reverse ordinal order, one pod at a time', async () => {
    const set = sts(1);
    const pods = [0, 1, 2].map((i) => member(set, i));
    const actions = await run([
      [STATEFULSETS, [set]],
      [CONTROLLERREVISIONS, [revision(set, 1)]],
      [PODS, pods],
    ]);
    expect(actions.map(summary)).toEqual([
      'delete /pods web-2',
      'updateStatus apps/statefulsets web',
    ]);
  });

  it('rolls pods at or above the partition onto the new revision, highest first', async () => {
    const old = sts(3);
    const set = sts(
      3,
      { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
      'busybox:2',
    );
    set.status = { currentRevision: revName(old) };
    const pods = [0, 1, 2].map((i) => member(old, i));
    const actions = await run([
      [STATEFULSETS, [set]],
      [CONTROLLERREVISIONS, [revision(old, 1)]],
      [PODS, pods],
    ]);
    expect(actions.map(summary)).toEqual([
      `create apps/controllerrevisions ${revName(set)}`,
      'delete /pods web-2',
      'updateStatus apps/statefulsets web',
    ]);
    expect(actions[0]?.body).toMatchObject({ revision: 2 });
    // below the partition nothing more is rolled once web-2 runs the update
    const done = [member(old, 0), member(old, 1), member(set, 2)];
    await fx?.stop();
    const next = await run([
      [STATEFULSETS, [set]],
      [CONTROLLERREVISIONS, [revision(old, 1), revision(set, 2)]],
      [PODS, done],
    ]);
    expect(next.map(summary)).toEqual(['updateStatus apps/statefulsets web']);
    expect((next[0]?.body as StatefulSet).status).toMatchObject({
      currentRevision: revName(old),
      updateRevision: revName(set),
      currentReplicas: 2,
      updatedReplicas: 1,
    });
  });

  it('truncates unused revisions beyond revisionHistoryLimit', async () => {
    const set = sts(0, { revisionHistoryLimit: 1 });
    const olds = ['busybox:a', 'busybox:b', 'busybox:c'].map((img, i) =>
      revision(sts(0, {}, img), i + 1),
    );
    const actions = await run([
      [STATEFULSETS, [set]],
      [CONTROLLERREVISIONS, [...olds, revision(set, 4)]],
    ]);
    expect(actions.filter((a) => a.verb === 'delete').map((a) => a.name)).toEqual([
      olds[0]?.metadata.name,
      olds[1]?.metadata.name,
    ]);
  });
});
