// The API server's watch cache against a real etcd: watches fanned out from one storage watch,
// resumed from its window (also after etcd compacted), 410 Gone beyond it, lists at
// resourceVersion=0 from memory, frozen shared objects, and updates that start from a stale copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, WatchEvent } from '../../machinery/meta.js';
import { GoneError } from '../../machinery/errors/index.js';
import { GenericRegistry } from '../../machinery/registry/generic-registry.js';
import type { ObjectStorage } from '../../machinery/storage/object-storage.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { configMapType, sampleResources } from '../support/sample-resources.js';

const CM = { group: '', version: 'v1', resource: 'configmaps' };
let h: ApiHarness;
let ns = 0;
const nextNs = (): string => `wc-${String(++ns)}`;
const etcdOps: string[] = [];

function cm(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

async function take(it: AsyncIterator<WatchEvent>, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  for (let i = 0; i < n; i++) out.push((await it.next()).value as WatchEvent);
  return out;
}

beforeAll(async () => {
  h = await startApiHarness({ resources: sampleResources });
  h.storage.observeRequests((op, type) => etcdOps.push(`${op} ${type}`));
});
afterAll(async () => {
  await h.stop();
});

describe('watch cache', () => {
  it('fans one storage watch out to every client watch, each event in order to each', async () => {
    const namespace = nextNs();
    const c = h.client.resource(CM, namespace);
    const from = (await c.create(cm('seed'))).metadata.resourceVersion ?? '0';
    const watches = Array.from({ length: 40 }, () => c.watch({ resourceVersion: from }));
    const its = watches.map((w) => w[Symbol.asyncIterator]());
    await expect
      .poll(() => h.server.watchCache?.watchers()['/registry/configmaps/'] ?? 0)
      .toBeGreaterThanOrEqual(40);
    await c.create(cm('a', { v: '1' }));
    await c.patch('a', { data: { v: '2' } }, 'merge');
    await c.delete('a');
    for (const it of its) {
      expect(
        (await take(it, 3)).map(
          (e) => `${e.type} ${String((e.object.data as Record<string, string>).v)}`,
        ),
      ).toEqual(['ADDED 1', 'MODIFIED 2', 'DELETED 2']);
    }
    for (const w of watches) w.stop();
  });

  it('resumes a watch from its window although etcd compacted that revision, as kube-apiserver', async () => {
    const c = h.client.resource(CM, nextNs());
    const a = await c.create(cm('a'));
    await c.create(cm('b'));
    const latest = await c.list();
    await h.storage.client.kv.compact({ revision: latest.metadata.resourceVersion ?? '0' });
    const w = c.watch({ resourceVersion: a.metadata.resourceVersion ?? '' });
    const events = await take(w[Symbol.asyncIterator](), 1);
    w.stop();
    expect(events.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`)).toEqual(['ADDED b']);
  });

  it('answers 410 Gone for a revision older than its window that etcd compacted', async () => {
    // a server whose window is one event long, on the same etcd
    const small = await startApiHarness({
      resources: sampleResources,
      etcd: h.etcd,
      watchCache: { maxEvents: 1 },
    });
    try {
      const c = small.client.resource(CM, 'gone');
      const a = await c.create(cm('a'));
      await c.create(cm('b'));
      await c.create(cm('c'));
      // the cache has seen all three (and its own etcd watch has caught up) before etcd compacts
      await expect.poll(async () => (await c.list({ resourceVersion: '0' })).items.length).toBe(3);
      const latest = await c.list();
      await small.storage.client.kv.compact({ revision: latest.metadata.resourceVersion ?? '0' });
      const w = c.watch({ resourceVersion: a.metadata.resourceVersion ?? '' });
      await expect(w[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(GoneError);
    } finally {
      await small.stop();
    }
  });

  it('serves a list at resourceVersion=0 from memory and a list without one from etcd', async () => {
    const namespace = nextNs();
    const c = h.client.resource(CM, namespace);
    await c.create(cm('x'));
    await c.create(cm('y'));
    await expect
      .poll(async () => (await c.list({ resourceVersion: '0' })).items.map((o) => o.metadata.name))
      .toEqual(['x', 'y']);
    const before = etcdOps.filter((o) => o.startsWith('list')).length;
    const cached = await c.list({ resourceVersion: '0' });
    expect(etcdOps.filter((o) => o.startsWith('list')).length).toBe(before);
    expect(Number(cached.metadata.resourceVersion)).toBeGreaterThan(0);
    await c.list();
    expect(etcdOps.filter((o) => o.startsWith('list')).length).toBe(before + 1);
  });

  it('hands out frozen objects: a reader cannot change what every other reader sees', async () => {
    const namespace = nextNs();
    const reg = h.server.registry;
    const w = reg.watch(configMapType, namespace, { resourceVersion: '0' });
    const it = w[Symbol.asyncIterator]();
    await h.client.resource(CM, namespace).create(cm('f', { v: '1' }));
    const [ev] = await take(it, 1);
    w.stop();
    const obj = ev?.object as KubeObject;
    expect(Object.isFrozen(obj.metadata)).toBe(true);
    expect(() => {
      (obj.data as Record<string, string>).v = 'changed';
    }).toThrow(TypeError);
    expect((await reg.get(configMapType, namespace, 'f')).data).toEqual({ v: '1' });
  });
});

describe('updates from a stale cached copy', () => {
  /** The harness's etcd storage, whose cached copy of every object is the one given. */
  function staleRegistry(stale: KubeObject): GenericRegistry {
    const storage: ObjectStorage = Object.assign(Object.create(h.storage) as ObjectStorage, {
      cached: () => stale,
    });
    return new GenericRegistry({ storage });
  }

  it('applies the change to the stored version, not the stale one (no update is lost)', async () => {
    const namespace = nextNs();
    const c = h.client.resource(CM, namespace);
    const old = await c.create(cm('s', { a: '1' }));
    await c.patch('s', { data: { b: '2' } }, 'merge');
    const reg = staleRegistry(old);
    const out = await reg.guaranteedUpdate(configMapType, namespace, 's', undefined, (cur) => ({
      ...cur,
      data: { ...(cur.data as Record<string, string>), c: '3' },
    }));
    expect(out.data).toEqual({ a: '1', b: '2', c: '3' });
    expect((await c.get('s')).data).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('decides a precondition, a refusal and a no-op again on the stored version', async () => {
    const namespace = nextNs();
    const c = h.client.resource(CM, namespace);
    const old = await c.create(cm('p', { v: '1' }));
    const now = await c.patch('p', { data: { v: '2' } }, 'merge');
    const reg = staleRegistry(old);
    // the caller's resourceVersion is the stored one: no 409 because the cache lags
    const kept = await reg.guaranteedUpdate(
      configMapType,
      namespace,
      'p',
      now.metadata.resourceVersion,
      (cur) => ({ ...cur, data: { v: '3' } }),
    );
    expect(kept.data).toEqual({ v: '3' });
    // a refusal made on the stale copy (v is not 3 there) is made again on the stored one
    const checked = await reg.guaranteedUpdate(configMapType, namespace, 'p', undefined, (cur) => {
      if ((cur.data as Record<string, string>).v !== '3') throw new Error('not 3');
      return { ...cur, data: { v: '4' } };
    });
    expect(checked.data).toEqual({ v: '4' });
    // writing what the stale copy already holds is not a no-op: the stored object differs
    const back = await reg.guaranteedUpdate(configMapType, namespace, 'p', undefined, (cur) => ({
      ...cur,
      data: { v: '1' },
    }));
    expect(back.data).toEqual({ v: '1' });
    expect((await c.get('p')).data).toEqual({ v: '1' });
  });
});
