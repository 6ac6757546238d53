import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../apis/index.js';
import type { EventRecorder } from '../../../api/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import type { ClusterClients } from '../cluster-clients.js';
import { ClusterHealthController, ReasonNotReady } from './cluster-health-controller.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A Ready cluster in a one-object cache, a member whose /readyz fails, and recorded status writes. */
function fixture(threshold: number): {
  ctrl: ClusterHealthController;
  writes: Cluster[];
  events: string[];
} {
  const cluster: Cluster = {
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'c1' },
    spec: {
      apiEndpoint: 'https://127.0.0.1:1',
      secretRef: { namespace: 'flotilla-system', name: 's' },
    },
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'ClusterReady', message: 'ok' }],
    },
  };
  const writes: Cluster[] = [];
  const informer = {
    get: () => cluster,
    list: () => [cluster],
    addEventHandler: () => undefined,
    waitForSync: () => Promise.resolve(),
  };
  const client = {
    resource: () => ({
      updateStatus: (c: Cluster) => {
        writes.push(c);
        return Promise.resolve(c);
      },
    }),
  } as unknown as KubeClient;
  const member = { raw: () => Promise.reject(new Error('connect ECONNREFUSED')) };
  const events: string[] = [];
  const recorder = {
    event: (o: Cluster, type: string, reason: string) => {
      events.push(`${o.metadata.name ?? ''} ${type} ${reason}`);
      return Promise.resolve();
    },
  } as unknown as EventRecorder;
  const ctrl = new ClusterHealthController({
    client,
    informers: { for: () => informer } as unknown as InformerFactory,
    clients: { for: () => member, forget: () => undefined } as unknown as ClusterClients,
    logger: quiet,
    failureThreshold: threshold,
    halfOpenAfterMs: 60_000,
    events: recorder,
  });
  return { ctrl, writes, events };
}

describe('ClusterHealthController failure threshold', () => {
  it('keeps a Ready cluster Ready until failureThreshold consecutive probes failed', async () => {
    const { ctrl, writes } = fixture(3);
    await ctrl.reconcile('c1');
    await ctrl.reconcile('c1');
    expect(writes).toEqual([]);
    await ctrl.reconcile('c1');
    expect(writes).toHaveLength(1);
    const ready = writes[0]?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: ReasonNotReady });
  });

  it('with a threshold of 1 the first failed probe marks the cluster NotReady', async () => {
    const { ctrl, writes } = fixture(1);
    await ctrl.reconcile('c1');
    expect(writes[0]?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  });
});

describe('ClusterHealthController events', () => {
  it('records ClusterNotReady when Ready turns False, not on probes that keep it Ready', async () => {
    const { ctrl, events } = fixture(2);
    await ctrl.reconcile('c1');
    expect(events).toEqual([]);
    await ctrl.reconcile('c1');
    expect(events).toEqual(['c1 Warning ClusterNotReady']);
  });
});
