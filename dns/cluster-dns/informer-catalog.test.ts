import { describe, expect, it } from 'vitest';
import type { KubeClient, ResourceClient, Watch } from '../../machinery/client/kube-client.js';
import type { WatchEvent } from '../../machinery/meta.js';
import { TYPE } from '../wire/dns-wire.js';
import { ClusterDnsServer } from './cluster-dns-server.js';
import { InformerCatalog } from './informer-catalog.js';
import type { DnsService } from './service-catalog.js';

const svc = (ip: string, rv: string): DnsService => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', resourceVersion: rv },
  spec: { clusterIP: ip },
});

/**
 * A client whose lists are empty and whose watches yield what {@link push} sends (Services only;
 * the Endpoints watch stays quiet).
 */
function fakeClient(): { client: KubeClient; push: (ev: WatchEvent) => void } {
  const pending: WatchEvent[] = [];
  const wakers = new Set<() => void>();
  const resource = (resourceName: string): ResourceClient =>
    ({
      list: () =>
        Promise.resolve({
          apiVersion: 'v1',
          kind: 'List',
          metadata: { resourceVersion: '1' },
          items: [],
        }),
      watch: (): Watch => {
        let stopped = false;
        let stop: () => void = () => undefined;
        const stopping = new Promise<void>((r) => (stop = r));
        return {
          stop: () => {
            stopped = true;
            stop();
          },
          async *[Symbol.asyncIterator]() {
            while (!stopped) {
              if (resourceName === 'services' && pending.length > 0) {
                yield* pending.splice(0);
                continue;
              }
              await Promise.race([stopping, new Promise<void>((r) => wakers.add(r))]);
            }
          },
        };
      },
    }) as unknown as ResourceClient;
  return {
    client: { resource: (gvr) => resource(gvr.resource) } as KubeClient,
    push: (ev: WatchEvent): void => {
      pending.push(ev);
      for (const w of wakers) w();
      wakers.clear();
    },
  };
}

function query(name: string): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([
    Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, 0, TYPE.A, 0, 1]),
  ]);
}

describe('InformerCatalog', () => {
  it('moves its revision with every event, so the cluster DNS never replays a stale answer', async () => {
    const { client, push } = fakeClient();
    const catalog = new InformerCatalog(client);
    const abort = new AbortController();
    await catalog.start(abort.signal);
    const server = new ClusterDnsServer({ zone: 'cluster.local', catalog });
    const q = query('web.default.svc.cluster.local');
    const rcode = (): number => (server.handle(q)?.[3] ?? 0) & 0x0f;
    expect(rcode()).toBe(3);
    const before = catalog.revision;

    push({ type: 'ADDED', object: svc('10.96.0.1', '2') });
    await expect.poll(() => catalog.revision).toBeGreaterThan(before);
    expect(rcode()).toBe(0);
    expect(server.handle(q)?.subarray(-4)).toEqual(Buffer.from([10, 96, 0, 1]));

    push({ type: 'MODIFIED', object: svc('10.96.0.2', '3') });
    await expect.poll(() => catalog.service('default', 'web')?.spec.clusterIP).toBe('10.96.0.2');
    expect(server.handle(q)?.subarray(-4)).toEqual(Buffer.from([10, 96, 0, 2]));

    push({ type: 'DELETED', object: svc('10.96.0.2', '4') });
    await expect.poll(() => catalog.service('default', 'web')).toBeUndefined();
    expect(rcode()).toBe(3);
    abort.abort();
    await catalog.stopped();
  });
});
