// Events with a TTL on a real etcd (issue #17, `--event-ttl`): they carry a lease shared by the
// writes of a short window, etcd deletes them when it expires, the storage's watch reports each as
// DELETED, and other kinds are kept.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import { EtcdStorage } from '../../machinery/storage/etcd-storage.js';
import { EVENTS_KEY_PREFIX, eventTtlFor } from '../../machinery/storage/key-ttl.js';
import type { StorageEvent } from '../../machinery/storage/object-storage.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';

/** etcd's smallest lease TTL with its default heartbeat and election timeout (it raises less to it). */
const TTL_SECONDS = 2;
const EVENTS = 100;

let etcd: EtcdService;
let storage: EtcdStorage;

const object = (kind: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'default' },
});

/** Leases etcd holds now (this test's etcd is its own). */
async function leaseCount(): Promise<number> {
  return (await storage.client.leaseClient.leaseLeases()).leases.length;
}

beforeAll(async () => {
  etcd = await startEtcd();
  storage = new EtcdStorage({
    endpoints: [etcd.endpoint],
    prefix: `/test-${randomUUID()}`,
    ttlFor: eventTtlFor(TTL_SECONDS),
  });
});
afterAll(async () => {
  await storage.close();
  await etcd.stop();
});

describe('--event-ttl', () => {
  it('expires Events through one shared lease, watched as DELETED; other kinds stay', async () => {
    const from = await storage.currentRevision();
    const watch = storage.watch('/registry/', from);
    const deleted: StorageEvent[] = [];
    const watching = (async () => {
      for await (const ev of watch) {
        if (ev.type === 'DELETED') deleted.push(ev);
        if (deleted.length === EVENTS) return;
      }
    })();
    const cm = await storage.create(
      '/registry/configmaps/default/kept',
      object('ConfigMap', 'kept'),
    );
    // half at once (one grant in flight shared by all), half one after the other
    const names = Array.from({ length: EVENTS }, (_, i) => `ev-${String(i)}`);
    const key = (n: string): string => `${EVENTS_KEY_PREFIX}default/${n}`;
    await Promise.all(names.slice(0, 50).map((n) => storage.create(key(n), object('Event', n))));
    for (const n of names.slice(50)) await storage.create(key(n), object('Event', n));
    // an update carries a lease too (the TTL counts from the last write)
    const ev0 = await storage.get(key('ev-0'));
    expect(ev0).toBeDefined();
    if (ev0 !== undefined) {
      await storage.update(key('ev-0'), ev0, ev0.metadata.resourceVersion ?? '');
    }
    expect(await leaseCount()).toBeGreaterThanOrEqual(1);
    expect(await leaseCount()).toBeLessThanOrEqual(2);
    expect((await storage.list(EVENTS_KEY_PREFIX)).items).toHaveLength(EVENTS);

    // the lease lives TTL + its reuse window (1 s); etcd checks expiry every 500 ms
    const deadline = Date.now() + 10_000;
    while ((await storage.list(EVENTS_KEY_PREFIX)).items.length > 0) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 250));
    }
    await Promise.race([
      watching,
      new Promise((_, reject) =>
        setTimeout(() => {
          reject(new Error(`watch saw ${String(deleted.length)} DELETED of ${String(EVENTS)}`));
        }, 3_000),
      ),
    ]);
    watch.stop();
    expect(new Set(deleted.map((e) => e.object.metadata.name))).toEqual(new Set(names));
    expect(deleted.every((e) => e.object.kind === 'Event')).toBe(true);
    // the ConfigMap has no TTL: same object, same resourceVersion
    expect((await storage.get('/registry/configmaps/default/kept'))?.metadata.resourceVersion).toBe(
      cm.metadata.resourceVersion,
    );
    expect(await leaseCount()).toBe(0);
  }, 15_000);
});
