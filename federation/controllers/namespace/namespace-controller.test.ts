import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../apis/index.js';
import type { GroupVersionResource, KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import { MemberCleanupPendingError } from '../errors/index.js';
import { LABEL_MANAGED_BY, MANAGER } from '../propagation/member-object.js';
import {
  CONDITION_CONTENT_FAILURE,
  FAILURES_BEFORE_CONDITION,
  FederationNamespaceController,
} from './namespace-controller.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const CONFIGMAPS: GroupVersionResource = { group: '', version: 'v1', resource: 'configmaps' };
const DEPLOYMENTS: GroupVersionResource = { group: 'apps', version: 'v1', resource: 'deployments' };

/** A client over a map of `resource/namespace/name` → object that records its writes. */
function fakeClient(name: string, objects: KubeObject[], actions: string[], down = false) {
  const store = new Map<string, KubeObject>();
  const key = (r: string, ns: string | undefined, n: string): string => `${r}/${ns ?? ''}/${n}`;
  for (const o of objects) {
    const r = o.kind === 'Namespace' ? 'namespaces' : `${o.kind.toLowerCase()}s`;
    store.set(key(r, o.metadata.namespace, o.metadata.name ?? ''), o);
  }
  const client = {
    resource: (gvr: GroupVersionResource, ns?: string) => {
      const r = gvr.resource;
      const fail = (): Promise<never> => Promise.reject(new Error('connect ECONNREFUSED'));
      return {
        get: (n: string) => {
          if (down) return fail();
          const o = store.get(key(r, ns, n));
          return o ? Promise.resolve(o) : Promise.reject(new NotFoundError(`"${n}" not found`));
        },
        list: () =>
          Promise.resolve({
            items: [...store.entries()]
              .filter(([k]) => k.startsWith(`${r}/${ns ?? ''}/`))
              .map(([, o]) => o),
          }),
        delete: (n: string) => {
          actions.push(`${name}: delete ${r} ${ns ?? ''}/${n}`);
          store.delete(key(r, ns, n));
          return Promise.resolve(undefined);
        },
        updateStatus: (o: KubeObject) => {
          const conds = (o.status as { conditions?: { type: string; status: string }[] })
            .conditions;
          const shown = conds ? ` ${conds.map((c) => `${c.type}=${c.status}`).join(',')}` : '';
          actions.push(`${name}: updateStatus ${r} ${o.metadata.name ?? ''}${shown}`);
          return Promise.resolve(o);
        },
        subresource: (n: string, sub: string, method: string, body: unknown) => {
          actions.push(`${name}: ${method} ${r} ${n}/${sub} ${JSON.stringify(body)}`);
          return Promise.resolve(body);
        },
      };
    },
  };
  return client as unknown as KubeClient;
}

const namespace = (labels?: Record<string, string>, deleting = true): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name: 'team-a',
    finalizers: ['kubernetes'],
    ...(labels ? { labels } : {}),
    ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  spec: { finalizers: ['kubernetes'] },
  status: { phase: deleting ? 'Terminating' : 'Active' },
});
const cluster = (name: string): Cluster => ({
  apiVersion: 'cluster.flotilla.io/v1alpha1',
  kind: 'Cluster',
  metadata: { name },
  spec: { apiEndpoint: 'https://127.0.0.1:1', secretRef: { namespace: 'flotilla-system', name } },
});
const configMap: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'team-a' },
};

function fixture(
  fed: KubeObject[],
  members: Record<string, { objects: KubeObject[]; down?: boolean }>,
) {
  const actions: string[] = [];
  const ns = fed.find((o) => o.kind === 'Namespace');
  const clusters = Object.keys(members).map(cluster);
  const informers = {
    for: (gvr: GroupVersionResource) => ({
      get: () => (gvr.resource === 'namespaces' ? ns : undefined),
      list: () => (gvr.resource === 'clusters' ? clusters : []),
      addEventHandler: () => undefined,
      waitForSync: () => Promise.resolve(),
    }),
  } as unknown as InformerFactory;
  const memberClients = new Map(
    Object.entries(members).map(([n, m]) => [n, fakeClient(n, m.objects, actions, m.down)]),
  );
  const ctrl = new FederationNamespaceController({
    client: fakeClient('fed', fed, actions),
    informers,
    logger: quiet,
    clients: { guarded: (c: Cluster) => memberClients.get(c.metadata.name ?? '') as KubeClient },
    resources: () => [DEPLOYMENTS, CONFIGMAPS],
    now: () => new Date('2026-01-01T00:00:10Z'),
  });
  return { ctrl, actions };
}

const managed = { [LABEL_MANAGED_BY]: MANAGER };

describe('FederationNamespaceController', () => {
  it('deletes the namespace content first and looks again later', async () => {
    const { ctrl, actions } = fixture([namespace(), configMap], { m1: { objects: [] } });
    expect(await ctrl.reconcile('team-a')).toEqual({ requeueAfterMs: 500 });
    expect(actions).toEqual([
      'fed: delete configmaps team-a/cfg',
      'fed: updateStatus namespaces team-a NamespaceDeletionContentFailure=False,NamespaceContentRemaining=True',
    ]);
  });

  it('then deletes the copies the federation made in the members, and waits for them', async () => {
    const { ctrl, actions } = fixture([namespace()], {
      m1: { objects: [namespace(managed, false)] },
      m2: { objects: [namespace(undefined, false)] },
    });
    expect(await ctrl.reconcile('team-a')).toEqual({ requeueAfterMs: 500 });
    expect(actions).toEqual([
      'm1: delete namespaces /team-a',
      'fed: updateStatus namespaces team-a NamespaceDeletionContentFailure=False,NamespaceContentRemaining=True',
    ]);
  });

  it('releases the kubernetes finalizer through namespaces/finalize once all is gone', async () => {
    const { ctrl, actions } = fixture([namespace()], { m1: { objects: [] } });
    expect(await ctrl.reconcile('team-a')).toBeUndefined();
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatch(/^fed: PUT namespaces team-a\/finalize /);
    expect(JSON.parse(actions[0]?.split('finalize ')[1] ?? '')).toMatchObject({
      spec: { finalizers: [] },
    });
  });

  it('keeps retrying an unreachable member, and says so in a condition after a few tries', async () => {
    const { ctrl, actions } = fixture([namespace()], { m1: { objects: [], down: true } });
    for (let i = 1; i <= FAILURES_BEFORE_CONDITION; i++) {
      await expect(ctrl.reconcile('team-a')).rejects.toBeInstanceOf(MemberCleanupPendingError);
    }
    // the first passes write nothing (the namespace already shows Terminating), the last the condition
    expect(actions).toEqual([
      `fed: updateStatus namespaces team-a ${CONDITION_CONTENT_FAILURE}=True,NamespaceContentRemaining=False`,
    ]);
    expect(actions.some((a) => a.includes('finalize'))).toBe(false);
  });

  it('ignores namespaces that are not being deleted', async () => {
    const { ctrl, actions } = fixture([namespace(undefined, false), configMap], {});
    expect(await ctrl.reconcile('team-a')).toBeUndefined();
    expect(actions).toEqual([]);
  });
});
