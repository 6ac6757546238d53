import { afterEach, describe, expect, it } from 'vitest';
import { InformerFactory } from '../../machinery/informer/index.js';
import { ENDPOINTS, SERVICES, type Endpoints, type Service } from '../../api/index.js';
import { FakeKubeClient } from '../controllers/testing/fake-kube-client.js';
import { DefaultServicesController, listenAddress } from './default-services.js';

const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});

/** A running informer factory over the fake client. */
function runningInformers(client: FakeKubeClient): InformerFactory {
  const informers = new InformerFactory(client);
  const stop = new AbortController();
  stops.push(stop);
  informers.start(stop.signal);
  return informers;
}

/**
 * The controller reads Services and Endpoints from its informers; the fake client's watches are
 * idle, so fresh informers list what is stored now before each reconcile.
 */
async function reconcileSynced(ctl: DefaultServicesController, informers: InformerFactory) {
  informers.remove(SERVICES);
  informers.remove(ENDPOINTS);
  await informers.for(SERVICES).waitForSync();
  await informers.for(ENDPOINTS).waitForSync();
  return ctl.reconcile();
}

function setup(dns?: { host: string; port: number }): {
  client: FakeKubeClient;
  reconcile: () => Promise<unknown>;
} {
  const client = new FakeKubeClient();
  const informers = runningInformers(client);
  const ctl = new DefaultServicesController({
    client,
    informers,
    apiServer: () => listenAddress('https://127.0.0.1:41000'),
    dns: () => dns,
  });
  return { client, reconcile: () => reconcileSynced(ctl, informers) };
}

describe('DefaultServicesController', () => {
  it('creates kubernetes and kube-dns with Endpoints at the real ports', async () => {
    const { client, reconcile } = setup({ host: '127.0.0.1', port: 45353 });
    await reconcile();
    const k = client.stored<Service>(SERVICES, 'default', 'kubernetes');
    expect(k?.spec).toMatchObject({
      clusterIP: '10.96.0.1',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 41000 }],
    });
    expect(client.stored<Endpoints>(ENDPOINTS, 'default', 'kubernetes')?.subsets).toEqual([
      {
        addresses: [{ ip: '127.0.0.1' }],
        ports: [{ name: 'https', port: 41000, protocol: 'TCP' }],
      },
    ]);
    const dns = client.stored<Service>(SERVICES, 'kube-system', 'kube-dns');
    expect(dns?.metadata.labels?.['k8s-app']).toBe('kube-dns');
    expect(dns?.spec.ports?.map((p) => [p.name, p.port, p.protocol])).toEqual([
      ['dns', 53, 'UDP'],
      ['dns-tcp', 53, 'TCP'],
    ]);
    expect(client.stored<Endpoints>(ENDPOINTS, 'kube-system', 'kube-dns')?.subsets).toEqual([
      {
        addresses: [{ ip: '127.0.0.1' }],
        ports: [
          { name: 'dns', port: 45353, protocol: 'UDP' },
          { name: 'dns-tcp', port: 45353, protocol: 'TCP' },
        ],
      },
    ]);
  });

  it('re-creates a deleted Service, corrects drifted Endpoints and is idempotent', async () => {
    const { client, reconcile } = setup();
    await reconcile();
    expect(client.stored(ENDPOINTS, 'kube-system', 'kube-dns')).toBeUndefined(); // no DNS
    await client.resource(SERVICES, 'default').delete('kubernetes');
    const ep = client.stored<Endpoints>(ENDPOINTS, 'default', 'kubernetes');
    await client
      .resource<Endpoints>(ENDPOINTS, 'default')
      .update({ ...structuredClone(ep ?? { metadata: {} }), subsets: [] } as Endpoints);
    client.clearActions();
    await reconcile();
    expect(client.actions.map((a) => [a.verb, a.resource, a.name])).toEqual([
      ['create', '/services', 'kubernetes'],
      ['update', '/endpoints', 'kubernetes'],
    ]);
    client.clearActions();
    await reconcile();
    expect(client.actions).toEqual([]);
  });

  it('takes the ClusterIPs of the configured range (.1 and .10)', async () => {
    const client = new FakeKubeClient();
    const informers = runningInformers(client);
    const ctl = new DefaultServicesController({
      client,
      informers,
      apiServer: () => listenAddress('https://127.0.0.1:41000'),
      dns: () => undefined,
      clusterIps: { kubernetes: '127.16.16.1', dns: '127.16.16.10' },
    });
    await reconcileSynced(ctl, informers);
    expect(client.stored<Service>(SERVICES, 'default', 'kubernetes')?.spec.clusterIP).toBe(
      '127.16.16.1',
    );
    expect(client.stored<Service>(SERVICES, 'kube-system', 'kube-dns')?.spec.clusterIP).toBe(
      '127.16.16.10',
    );
  });
});
