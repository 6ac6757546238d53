import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import type { InformerFactory } from '../../machinery/informer/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import type { Work } from '../apis/index.js';
import { memberCopy } from '../controllers/propagation/member-object.js';
import { WorkExecutionController } from './work-execution-controller.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const manifest = memberCopy(
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', generation: 1 },
    spec: { replicas: 2 },
  },
  2,
);

function work(finalizers: string[], deleting = false): Work {
  return {
    apiVersion: 'work.flotilla.io/v1alpha1',
    kind: 'Work',
    metadata: {
      name: 'deployment.ns.web',
      namespace: 'fed-es-p1',
      generation: 4,
      resourceVersion: '7',
      finalizers,
      ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { workload: { manifests: [manifest] } },
  };
}

/** One Work in the agent's cache, a member holding `inMember`; records both sides' calls. */
function fixture(w: Work, inMember?: KubeObject) {
  const calls: string[] = [];
  const statuses: Work[] = [];
  const informer = {
    get: () => w,
    list: () => [w],
    addEventHandler: () => undefined,
    waitForSync: () => Promise.resolve(),
  };
  const federation = {
    resource: () => ({
      patch: (name: string, body: unknown) => {
        calls.push(`federation patch ${name} ${JSON.stringify(body)}`);
        return Promise.resolve(w);
      },
      updateStatus: (obj: Work) => {
        statuses.push(obj);
        return Promise.resolve(obj);
      },
    }),
  } as unknown as KubeClient;
  const member = {
    resource: (gvr: { resource: string }) => ({
      create: (o: KubeObject) => {
        calls.push(`member create ${gvr.resource}/${o.metadata.name ?? ''}`);
        return Promise.resolve({ ...o, status: { replicas: 2, availableReplicas: 2 } });
      },
      get: () => (inMember ? Promise.resolve(inMember) : Promise.reject(new NotFoundError('nf'))),
      delete: (name: string) => {
        calls.push(`member delete ${gvr.resource}/${name}`);
        return Promise.resolve(undefined);
      },
    }),
  } as unknown as KubeClient;
  const informers = { for: () => informer } as unknown as InformerFactory;
  const ctrl = new WorkExecutionController({
    clusterName: 'p1',
    federation,
    federationInformers: informers,
    member,
    memberInformers: informers,
    logger: quiet,
  });
  return { ctrl, calls, statuses };
}

const FINALIZER = 'work.flotilla.io/member-cleanup';

describe('WorkExecutionController', () => {
  it('puts its finalizer on a new Work before touching the member', async () => {
    const { ctrl, calls } = fixture(work([]));
    await ctrl.reconcile('fed-es-p1/deployment.ns.web');
    expect(calls).toEqual([
      `federation patch deployment.ns.web {"metadata":{"finalizers":["${FINALIZER}"],"resourceVersion":"7"}}`,
    ]);
  });

  it('applies the manifests and reports Applied, Available and the member status', async () => {
    const { ctrl, calls, statuses } = fixture(work([FINALIZER]));
    await ctrl.reconcile('fed-es-p1/deployment.ns.web');
    expect(calls).toEqual(['member create namespaces/ns', 'member create deployments/web']);
    const st = statuses[0]?.status;
    expect(st?.conditions?.map((c) => [c.type, c.status, c.observedGeneration])).toEqual([
      ['Applied', 'True', 4],
      ['Available', 'True', 4],
    ]);
    expect(st?.manifestStatuses).toEqual([
      {
        identifier: {
          ordinal: 0,
          group: 'apps',
          version: 'v1',
          kind: 'Deployment',
          namespace: 'ns',
          name: 'web',
        },
        status: { replicas: 2, availableReplicas: 2 },
        health: 'Healthy',
      },
    ]);
  });

  it('reports a member object it may not take over (conflictResolution Abort)', async () => {
    const foreign = { ...manifest, metadata: { name: 'web', namespace: 'ns', labels: {} } };
    const { ctrl, statuses } = fixture(work([FINALIZER]), foreign);
    await ctrl.reconcile('fed-es-p1/deployment.ns.web');
    const applied = statuses[0]?.status?.conditions?.[0];
    expect(applied).toMatchObject({ type: 'Applied', status: 'False', reason: 'AppliedFailed' });
    expect(applied?.message).toContain('not managed by the federation');
  });

  it('deletes the member objects of a deleted Work, then releases the finalizer', async () => {
    const { ctrl, calls } = fixture(work([FINALIZER], true), manifest);
    await ctrl.reconcile('fed-es-p1/deployment.ns.web');
    expect(calls).toEqual([
      'member delete deployments/web',
      'federation patch deployment.ns.web {"metadata":{"finalizers":[],"resourceVersion":"7"}}',
    ]);
  });
});
