import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../apis/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import type { ClusterClients } from '../cluster-clients.js';
import { FINALIZER_CLUSTER_CLEANUP } from '../finalizers.js';
import { CONDITION_CLEANUP_FAILED, REASON_MEMBER_UNREACHABLE } from './cleanup-failure.js';
import { ClusterCleanupController } from './cluster-cleanup-controller.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const DELETED_AT = Date.parse('2026-01-01T00:00:00Z');
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' };

interface Action {
  verb: string;
  resource: string;
  obj?: unknown;
}

/**
 * A deleted push Cluster (with the cleanup finalizer) in a one-object cache, a member whose API
 * refuses connections (or answers with no managed objects when `reachable`), and the federation
 * writes recorded in order.
 */
function fixture(opts: { reachable?: boolean } = {}) {
  const clock = { now: DELETED_AT };
  let cluster: Cluster = {
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: {
      name: 'c1',
      uid: 'u1',
      finalizers: [FINALIZER_CLUSTER_CLEANUP],
      deletionTimestamp: new Date(DELETED_AT).toISOString(),
      resourceVersion: '7',
    },
    spec: {
      apiEndpoint: 'https://127.0.0.1:1',
      secretRef: { namespace: 'flotilla-system', name: 's' },
    },
  };
  const actions: Action[] = [];
  const informer = {
    get: () => cluster,
    list: () => [cluster],
    addEventHandler: () => undefined,
    waitForSync: () => Promise.resolve(),
  };
  const client = {
    resource: (gvr: { resource: string }) => ({
      updateStatus: (c: Cluster) => {
        actions.push({ verb: 'updateStatus', resource: gvr.resource, obj: c });
        cluster = c;
        return Promise.resolve(c);
      },
      create: (o: unknown) => {
        actions.push({ verb: 'create', resource: gvr.resource, obj: o });
        return Promise.resolve(o);
      },
      patch: (_name: string, body: unknown) => {
        actions.push({ verb: 'patch', resource: gvr.resource, obj: body });
        return Promise.resolve({});
      },
    }),
  } as unknown as KubeClient;
  const member = {
    resource: () => ({
      list: () =>
        opts.reachable === true
          ? Promise.resolve({ items: [] })
          : Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')),
    }),
  };
  const ctrl = new ClusterCleanupController({
    client,
    informers: { for: () => informer } as unknown as InformerFactory,
    clients: { for: () => member, guarded: () => member } as unknown as ClusterClients,
    types: [{ gvr: DEPLOYMENTS, kind: 'Deployment', apiVersion: 'apps/v1', status: true }],
    logger: quiet,
    cleanupTimeoutMs: 10_000,
    cleanupRetryPeriodMs: 30_000,
    now: () => clock.now,
  });
  return { ctrl, actions, clock, current: () => cluster };
}

describe('ClusterCleanupController deletion with an unreachable member', () => {
  it('retries with growing pauses within the bound, writing nothing', async () => {
    const { ctrl, actions, clock } = fixture();
    expect(await ctrl.reconcile('c1')).toEqual({ requeueAfterMs: 200 });
    clock.now = DELETED_AT + 6000;
    expect(await ctrl.reconcile('c1')).toEqual({ requeueAfterMs: 3000 });
    clock.now = DELETED_AT + 9000;
    // never past the bound
    expect(await ctrl.reconcile('c1')).toEqual({ requeueAfterMs: 1000 });
    expect(actions).toEqual([]);
  });

  it('past the bound sets CleanupFailed and records one Warning event, keeping the finalizer', async () => {
    const { ctrl, actions, clock, current } = fixture();
    clock.now = DELETED_AT + 10_000;
    expect(await ctrl.reconcile('c1')).toEqual({ requeueAfterMs: 30_000 });
    expect(actions.map((a) => `${a.verb} ${a.resource}`)).toEqual([
      'updateStatus clusters',
      'create events',
    ]);
    const cond = current().status?.conditions?.find((c) => c.type === CONDITION_CLEANUP_FAILED);
    expect(cond).toMatchObject({ status: 'True', reason: REASON_MEMBER_UNREACHABLE });
    expect(cond?.message).toContain('ECONNREFUSED');
    expect(cond?.message).toContain('flotilla unjoin c1 --force');
    expect(actions[1]?.obj).toMatchObject({
      type: 'Warning',
      reason: REASON_MEMBER_UNREACHABLE,
      involvedObject: { kind: 'Cluster', name: 'c1', uid: 'u1' },
      metadata: { namespace: 'default' },
    });
    expect(current().metadata.finalizers).toEqual([FINALIZER_CLUSTER_CLEANUP]);
    // the slow retry after the bound does not report the same failure again
    clock.now = DELETED_AT + 40_000;
    expect(await ctrl.reconcile('c1')).toEqual({ requeueAfterMs: 30_000 });
    expect(actions).toHaveLength(2);
  });

  it('a member that answers lets the finalizer go', async () => {
    const { ctrl, actions } = fixture({ reachable: true });
    expect(await ctrl.reconcile('c1')).toBeUndefined();
    expect(actions).toEqual([
      {
        verb: 'patch',
        resource: 'clusters',
        obj: { metadata: { finalizers: [], resourceVersion: '7' } },
      },
    ]);
  });
});
