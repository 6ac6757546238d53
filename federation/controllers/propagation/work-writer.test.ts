import { describe, expect, it } from 'vitest';
import { DEPLOYMENTS } from '../../../api/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import type { Cluster, Work } from '../../apis/index.js';
import { memberCopy } from './member-object.js';
import { templateOfWork, WorkWriter } from './work-writer.js';
import type { TemplateType } from './template-type.js';

const t: TemplateType = {
  gvr: DEPLOYMENTS,
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  status: true,
};
const cluster: Cluster = {
  apiVersion: 'cluster.flotilla.io/v1alpha1',
  kind: 'Cluster',
  metadata: { name: 'p1' },
  spec: { syncMode: 'Pull', apiEndpoint: 'https://127.0.0.1:1' },
};
const tmpl: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', generation: 3, uid: 'u' },
  spec: { replicas: 2 },
};
const desired = memberCopy(tmpl, 2);

/** A Work cache of at most one object and a client recording its calls. */
function fixture(cached: Work | undefined, served = cached) {
  const calls: string[] = [];
  const works = { get: () => cached, list: () => (cached ? [cached] : []) };
  const client = {
    resource: (_g: unknown, ns: string) => ({
      create: (w: Work) => {
        calls.push(`create ${ns}/${w.metadata.name ?? ''}`);
        return Promise.resolve({ ...w, metadata: { ...w.metadata, generation: 1 } });
      },
      update: (w: Work) => {
        calls.push(
          `update ${ns}/${w.metadata.name ?? ''} ${JSON.stringify(w.metadata.annotations)}`,
        );
        return Promise.resolve(w);
      },
      get: () => (served ? Promise.resolve(served) : Promise.reject(new NotFoundError('gone'))),
      delete: (name: string) => {
        calls.push(`delete ${ns}/${name}`);
        return Promise.resolve({
          ...served,
          metadata: { ...served?.metadata, deletionTimestamp: 'now' },
        });
      },
    }),
  } as unknown as KubeClient;
  return { writer: new WorkWriter(client, works), calls };
}

function work(status?: Work['status'], generation = 1): Work {
  return {
    apiVersion: 'work.flotilla.io/v1alpha1',
    kind: 'Work',
    metadata: {
      name: 'deployment.ns.web',
      namespace: 'fed-es-p1',
      generation,
      labels: {
        'federation.flotilla.io/template': 'deployment.ns.web',
        'work.flotilla.io/cluster': 'p1',
      },
      annotations: { 'work.flotilla.io/conflict-resolution': 'Abort' },
    },
    spec: { workload: { manifests: [desired] } },
    ...(status ? { status } : {}),
  };
}

describe('WorkWriter', () => {
  it('creates the Work in the execution namespace and waits for the agent', async () => {
    const { writer, calls } = fixture(undefined);
    const r = await writer.apply(cluster, t, tmpl, desired, undefined);
    expect(calls).toEqual(['create fed-es-p1/deployment.ns.web']);
    expect(r).toMatchObject({
      cluster: 'p1',
      applied: false,
      message: 'waiting for the agent of cluster p1',
    });
  });

  it('reads the member status of the current generation from the Work', async () => {
    const w = work({
      conditions: [{ type: 'Applied', status: 'True', observedGeneration: 1 }],
      manifestStatuses: [
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
      ],
    });
    const { writer, calls } = fixture(w);
    const r = await writer.apply(cluster, t, tmpl, desired, undefined);
    expect(calls).toEqual([]);
    expect(r).toMatchObject({ applied: true, object: { status: { availableReplicas: 2 } } });
    const stale = fixture(
      work({ conditions: [{ type: 'Applied', status: 'True', observedGeneration: 1 }] }, 2),
    );
    expect((await stale.writer.apply(cluster, t, tmpl, desired, undefined)).applied).toBe(false);
  });

  it('updates a Work whose manifests or conflict resolution changed', async () => {
    const { writer, calls } = fixture(work());
    await writer.apply(cluster, t, tmpl, desired, 'Overwrite');
    expect(calls).toEqual([
      'update fed-es-p1/deployment.ns.web {"work.flotilla.io/conflict-resolution":"Overwrite"}',
    ]);
  });

  it('marks an orphaned Work before deleting it; a gone Work is released', async () => {
    const { writer, calls } = fixture(work());
    expect(await writer.release(cluster, t, tmpl, { orphan: true, waitGone: true })).toBe(false);
    expect(calls).toEqual([
      'update fed-es-p1/deployment.ns.web {"work.flotilla.io/conflict-resolution":"Abort","work.flotilla.io/orphan":"true"}',
      'delete fed-es-p1/deployment.ns.web',
    ]);
    expect(
      await fixture(work()).writer.release(cluster, t, tmpl, { orphan: false, waitGone: false }),
    ).toBe(true);
    expect(
      await fixture(undefined).writer.release(cluster, t, tmpl, { orphan: false, waitGone: true }),
    ).toBe(true);
  });

  it('finds the template of a Work', () => {
    expect(templateOfWork(work())).toEqual({ kind: 'deployment', namespace: 'ns', name: 'web' });
  });
});
