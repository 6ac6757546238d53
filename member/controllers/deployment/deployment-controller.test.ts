import { afterEach, describe, expect, it } from 'vitest';
import { DEPLOYMENTS, REPLICASETS, type Deployment, type ReplicaSet } from '../../../api/index.js';
import { POD_TEMPLATE_HASH, REVISION_ANNOTATION, templateHash } from '../pod-template.js';
import { FIXTURE_NOW, startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import { deployment, ownerRef, replicaSet } from '../testing/objects.js';
import { DeploymentController } from './deployment-controller.js';
import { rollingStep } from './rollout.js';

const T0 = '2026-01-01T00:00:00Z';
let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function run(seed: FixtureSeed) {
  const f = await startFixture(seed, (ctx) => new DeploymentController(ctx), [
    { gvr: DEPLOYMENTS },
    { gvr: REPLICASETS },
  ]);
  fx = f;
  result = await f.controller.reconcile('default/web');
  return f.client.actions;
}
let result: Awaited<ReturnType<DeploymentController['reconcile']>>;

/** A ReplicaSet owned by Deployment `web` for the template of `d`, at `revision`. */
function ownedRs(
  d: Deployment,
  revision: number,
  replicas: number,
  available = replicas,
  created = '2026-01-01T00:00:00Z',
): ReplicaSet {
  const hash = templateHash(d.spec.template);
  const rs = replicaSet(`web-${hash}`, 'web', replicas, available, {
    ownerReferences: [ownerRef('Deployment', 'web')],
    annotations: { [REVISION_ANNOTATION]: String(revision) },
    creationTimestamp: created,
  });
  rs.metadata.labels = { app: 'web', [POD_TEMPLATE_HASH]: hash };
  rs.spec.template = structuredClone(d.spec.template);
  rs.spec.template.metadata = { labels: { app: 'web', [POD_TEMPLATE_HASH]: hash } };
  return rs;
}

describe('DeploymentController', () => {
  it('creates the first ReplicaSet at full size with hash label and revision 1', async () => {
    const d = deployment('web', 3);
    const hash = templateHash(d.spec.template);
    const actions = await run([[DEPLOYMENTS, [d]]]);
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      `create apps/replicasets web-${hash}`,
      // the Deployment carries its newest revision (kubectl rollout undo patches annotations)
      'patch apps/deployments web',
      'updateStatus apps/deployments web',
    ]);
    expect(actions[0]?.body).toMatchObject({
      metadata: {
        labels: { app: 'web', [POD_TEMPLATE_HASH]: hash },
        annotations: { [REVISION_ANNOTATION]: '1' },
        ownerReferences: [ownerRef('Deployment', 'web')],
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web', [POD_TEMPLATE_HASH]: hash } },
        template: { metadata: { labels: { app: 'web', [POD_TEMPLATE_HASH]: hash } } },
      },
    });
  });

  it('rolls a new template within maxSurge/maxUnavailable (4 replicas: +1 new, -1 old)', async () => {
    const old = deployment('web', 4, 'busybox:1');
    const d = deployment('web', 4, 'busybox:2');
    const oldRs = ownedRs(old, 1, 4);
    const hash = templateHash(d.spec.template);
    const actions = await run([
      [DEPLOYMENTS, [d]],
      [REPLICASETS, [oldRs]],
    ]);
    expect(
      actions.map((a) => [a.verb, a.name, a.body && a.verb === 'patch' ? a.body : undefined]),
    ).toEqual([
      ['create', `web-${hash}`, undefined],
      ['patch', 'web', { metadata: { annotations: { [REVISION_ANNOTATION]: '2' } } }],
      ['patch', `web-${hash}`, { spec: { replicas: 1 } }],
      ['patch', oldRs.metadata.name, { spec: { replicas: 3 } }],
      ['updateStatus', 'web', undefined],
    ]);
    expect(actions[0]?.body).toMatchObject({
      spec: { replicas: 0 },
      metadata: { annotations: { [REVISION_ANNOTATION]: '2' } },
    });
  });

  it('scales the current ReplicaSet when only replicas change and reports status', async () => {
    const d = deployment('web', 5);
    d.metadata.annotations = { [REVISION_ANNOTATION]: '1' };
    const rs = ownedRs(d, 1, 2);
    const actions = await run([
      [DEPLOYMENTS, [d]],
      [REPLICASETS, [rs]],
    ]);
    expect(actions.map((a) => [a.verb, a.name, a.verb === 'patch' ? a.body : undefined])).toEqual([
      ['patch', rs.metadata.name, { spec: { replicas: 5 } }],
      ['updateStatus', 'web', undefined],
    ]);
    expect((actions[1]?.body as Deployment).status).toMatchObject({
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 3,
      conditions: [
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'ReplicaSetUpdated',
          lastUpdateTime: FIXTURE_NOW.toISOString(),
        },
      ],
    });
  });

  it('deletes the oldest idle ReplicaSets beyond revisionHistoryLimit', async () => {
    const d = deployment('web', 1, 'busybox:9');
    d.spec.revisionHistoryLimit = 1;
    const olds = [1, 2, 3].map((n) => ownedRs(deployment('web', 1, `busybox:${String(n)}`), n, 0));
    const current = ownedRs(d, 4, 1);
    const actions = await run([
      [DEPLOYMENTS, [d]],
      [REPLICASETS, [...olds, current]],
    ]);
    expect(actions.filter((a) => a.verb === 'delete').map((a) => a.name)).toEqual([
      olds[0]?.metadata.name,
      olds[1]?.metadata.name,
    ]);
  });

  it('changes nothing for a converged Deployment', async () => {
    const d = deployment('web', 2);
    d.metadata.annotations = { [REVISION_ANNOTATION]: '1' };
    d.status = {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 0,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
          lastUpdateTime: T0,
          lastTransitionTime: T0,
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "web-${templateHash(d.spec.template)}" has successfully progressed.`,
          lastUpdateTime: T0,
          lastTransitionTime: T0,
        },
      ],
    };
    expect(
      await run([
        [DEPLOYMENTS, [d]],
        [REPLICASETS, [ownedRs(d, 1, 2)]],
      ]),
    ).toEqual([]);
  });
});

describe('DeploymentController adoption, pause and deadline', () => {
  it('adopts an orphan ReplicaSet matching its selector', async () => {
    const d = deployment('web', 2);
    const orphan = ownedRs(d, 1, 2);
    orphan.metadata.ownerReferences = [];
    const actions = await run([
      [DEPLOYMENTS, [d]],
      [REPLICASETS, [orphan]],
    ]);
    expect(actions[0]).toEqual({
      verb: 'patch',
      resource: 'apps/replicasets',
      namespace: 'default',
      name: orphan.metadata.name,
      body: {
        metadata: { ownerReferences: [ownerRef('Deployment', 'web')], uid: orphan.metadata.uid },
      },
    });
    expect(actions.filter((a) => a.verb === 'create')).toEqual([]);
  });

  it('does not roll out a new template while paused', async () => {
    const old = deployment('web', 2, 'busybox:1');
    const d = deployment('web', 2, 'busybox:2');
    d.spec.paused = true;
    const actions = await run([
      [DEPLOYMENTS, [d]],
      [REPLICASETS, [ownedRs(old, 1, 2)]],
    ]);
    expect(actions.map((a) => a.verb)).toEqual(['updateStatus']);
    expect((actions[0]?.body as Deployment).status?.conditions?.[1]).toMatchObject({
      type: 'Progressing',
      status: 'Unknown',
      reason: 'DeploymentPaused',
    });
  });

  it('reports ProgressDeadlineExceeded when a rollout has not moved for progressDeadlineSeconds', async () => {
    const d = deployment('web', 2);
    d.metadata.annotations = { [REVISION_ANNOTATION]: '1' };
    d.spec.progressDeadlineSeconds = 60;
    const stuck = ownedRs(d, 1, 2, 0);
    const long = new Date(FIXTURE_NOW.getTime() - 120_000).toISOString();
    d.status = {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 0,
      availableReplicas: 0,
      unavailableReplicas: 2,
      conditions: [
        {
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          lastTransitionTime: long,
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'ReplicaSetUpdated',
          lastTransitionTime: long,
          lastUpdateTime: long,
        },
      ],
    };
    const actions = await run([
      [DEPLOYMENTS, [d]],
      [REPLICASETS, [stuck]],
    ]);
    expect((actions[0]?.body as Deployment).status?.conditions?.[1]).toMatchObject({
      type: 'Progressing',
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    expect(result).toBeUndefined();
  });

  it('asks to be called again before the deadline while progressing', async () => {
    const d = deployment('web', 2);
    await run([
      [DEPLOYMENTS, [d]],
      [REPLICASETS, [ownedRs(d, 1, 2, 0)]],
    ]);
    expect(result).toEqual({ requeueAfterMs: 600_001 });
  });
});

describe('rollingStep', () => {
  it('never scales old sets below replicas-maxUnavailable available pods', () => {
    const d = deployment('web', 4);
    const newRs = replicaSet('new', 'web', 1, 0);
    const old = replicaSet('old', 'web', 3, 3);
    // 3 available, minAvailable 3: the old set keeps 3; the new one may surge to 2 (total 5 = 4+1)
    expect([...rollingStep(d, newRs, [old])]).toEqual([['new', 2]]);
  });

  it('finishes the rollout once old sets are empty', () => {
    const d = deployment('web', 4);
    expect([
      ...rollingStep(d, replicaSet('new', 'web', 3, 3), [replicaSet('old', 'web', 0, 0)]),
    ]).toEqual([['new', 4]]);
  });
});

describe('DeploymentController rollback', () => {
  it('reuses the old ReplicaSet when the template returns to it (kubectl rollout undo spelling)', async () => {
    const v1 = deployment('web', 2, 'busybox:1');
    const v2 = deployment('web', 2, 'busybox:2');
    const rs1 = ownedRs(v1, 1, 0, 0, '2026-01-01T00:00:00Z');
    const rs2 = ownedRs(v2, 2, 2, 2, '2026-01-01T00:01:00Z');
    const undo = deployment('web', 2, 'busybox:1');
    // kubectl copies the ReplicaSet template back with Go zero values spelled out
    undo.spec.template = {
      metadata: { labels: { app: 'web' }, creationTimestamp: null } as never,
      spec: {
        ...undo.spec.template.spec,
        containers: [
          {
            name: 'c',
            image: 'busybox:1',
            ports: [{ name: 'http', containerPort: 8080 }],
            resources: {},
          },
        ],
      },
    };
    const actions = await run([
      [DEPLOYMENTS, [undo]],
      [REPLICASETS, [rs1, rs2]],
    ]);
    expect(actions.filter((a) => a.verb === 'create')).toEqual([]);
    expect(actions[0]).toMatchObject({
      verb: 'patch',
      name: rs1.metadata.name,
      body: { metadata: { annotations: { [REVISION_ANNOTATION]: '3' } } },
    });
    // 2 replicas: maxSurge 1, maxUnavailable 0 → the old template comes back one pod at a time
    expect(actions.slice(1).map((a) => [a.verb, a.name])).toEqual([
      ['patch', 'web'],
      ['patch', rs1.metadata.name],
      ['updateStatus', 'web'],
    ]);
    expect(actions[1]?.body).toEqual({
      metadata: { annotations: { [REVISION_ANNOTATION]: '3' } },
    });
    expect(actions[2]?.body).toEqual({ spec: { replicas: 1 } });
  });
});
