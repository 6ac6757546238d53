import { afterEach, describe, expect, it } from 'vitest';
import { InformerFactory } from '../../machinery/informer/index.js';
import { SERVICES, type Service } from '../../api/index.js';
import { FakeKubeClient } from '../controllers/testing/fake-kube-client.js';
import { ClusterIpAllocator } from './cluster-ip-allocator.js';
import { ClusterIpRepairController } from './cluster-ip-repair.js';
import { NodePortAllocator } from './node-port-allocator.js';

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

const svc = (name: string, clusterIP: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { clusterIP, clusterIPs: [clusterIP], ports: [{ port: 80 }] },
});

describe('ClusterIpRepairController', () => {
  it('releases addresses no Service holds once past the grace period', async () => {
    let now = 0;
    const alloc = new ClusterIpAllocator({ now: () => now });
    const [kept, deleted, young] = [alloc.allocate(), alloc.allocate(), alloc.allocate()];
    const client = new FakeKubeClient();
    client.seed(SERVICES, svc('kept', kept), svc('headless', 'None'));
    const informers = new InformerFactory(client);
    const repair = new ClusterIpRepairController({ informers, allocator: alloc, graceMs: 5000 });
    const abort = new AbortController();
    informers.start(abort.signal);
    await informers.for(SERVICES).waitForSync();
    stop = async () => {
      abort.abort();
      await informers.stopped();
    };
    alloc.release(young);
    now = 4000;
    alloc.reserve(young); // e.g. a create still on its way to storage
    now = 6000;
    expect(repair.reconcile()).toEqual({ requeueAfterMs: 30_000 });
    expect([alloc.isUsed(kept), alloc.isUsed(deleted), alloc.isUsed(young)]).toEqual([
      true,
      false,
      true,
    ]);
    now = 10_000;
    repair.reconcile();
    expect(alloc.isUsed(young)).toBe(false);
    expect(alloc.size).toBe(1);
  });

  it('releases node ports of deleted Services', async () => {
    let now = 0;
    const alloc = new ClusterIpAllocator({ now: () => now });
    const nodePorts = new NodePortAllocator({ now: () => now });
    const kept = nodePorts.allocate('default/kept');
    const gone = nodePorts.allocate('default/gone');
    const client = new FakeKubeClient();
    const s = svc('kept', alloc.allocate());
    s.spec.type = 'NodePort';
    s.spec.ports = [{ port: 80, nodePort: kept }];
    client.seed(SERVICES, s);
    const informers = new InformerFactory(client);
    const repair = new ClusterIpRepairController({
      informers,
      allocator: alloc,
      nodePorts,
      graceMs: 5000,
    });
    const abort = new AbortController();
    informers.start(abort.signal);
    await informers.for(SERVICES).waitForSync();
    stop = async () => {
      abort.abort();
      await informers.stopped();
    };
    now = 6000;
    repair.reconcile();
    expect([nodePorts.ownerOf(kept), nodePorts.ownerOf(gone)]).toEqual(['default/kept', undefined]);
  });
});
