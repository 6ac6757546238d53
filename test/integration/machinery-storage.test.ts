// Storage and API semantics against a real etcd: optimistic concurrency, ordered watch with
// reconnect, 410 after compaction, pagination.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, WatchEvent } from '../../machinery/meta.js';
import { AlreadyExistsError, ConflictError, GoneError } from '../../machinery/errors/index.js';
import { SharedInformer } from '../../machinery/informer/index.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { sampleResources } from '../support/sample-resources.js';

const CM = { group: '', version: 'v1', resource: 'configmaps' };
let h: ApiHarness;
let ns = 0;
const nextNs = (): string => `ns-${String(++ns)}`;

function cm(
  name: string,
  data: Record<string, string> = {},
  labels?: Record<string, string>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(labels ? { labels } : {}) },
    data,
  };
}

beforeAll(async () => {
  // a watch cache window of one event: watches here resume from etcd itself, whose compaction
  // answers 410 (watch-cache.test.ts covers watches served from the window)
  h = await startApiHarness({ resources: sampleResources, watchCache: { maxEvents: 1 } });
});
afterAll(async () => {
  await h.stop();
});

describe('optimistic concurrency', () => {
  it('concurrent updates from the same version: exactly one winner, the rest 409 Conflict', async () => {
    const c = h.client.resource(CM, nextNs());
    const created = await c.create(cm('race', { n: '0' }));
    const writers = Array.from({ length: 8 }, (_, i) => {
      const copy = structuredClone(created);
      copy.data = { n: String(i + 1) };
      return c.update(copy);
    });
    const results = await Promise.allSettled(writers);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(7);
    for (const f of failed) expect(f.reason).toBeInstanceOf(ConflictError);
    const final = await c.get('race');
    expect(final.data).toEqual((ok[0] as PromiseFulfilledResult<KubeObject>).value.data);
  });

  it('create of an existing name is 409 AlreadyExists and keeps the stored object', async () => {
    const c = h.client.resource(CM, nextNs());
    await c.create(cm('dup', { v: 'first' }));
    await expect(c.create(cm('dup', { v: 'second' }))).rejects.toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
    });
    expect((await c.get('dup')).data).toEqual({ v: 'first' });
  });
});

describe('the etcd watch stream dropped', () => {
  it('every watch goes on on the new stream with each change exactly once, in order', async () => {
    const prefix = `/restart/${nextNs()}/`;
    const from = await h.storage.currentRevision();
    const w = h.storage.watch(prefix, from);
    const seen: string[] = [];
    const reading = (async () => {
      for await (const ev of w) {
        seen.push(ev.object.metadata.name ?? '');
        if (seen.length === 10) break;
      }
    })();
    const create = (i: number) =>
      h.storage.create(`${prefix}cm-${String(i)}`, cm(`cm-${String(i)}`));
    for (let i = 0; i < 5; i++) await create(i);
    // the stream drops as when its etcd member is killed, the first events perhaps still on
    // their way: the client's new stream must bring them too
    dropWatchStream(h.storage.client);
    for (let i = 5; i < 10; i++) await create(i);
    await reading;
    w.stop();
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `cm-${String(i)}`));
  });
});

/** Ends the etcd client's watch stream with an error (the client opens a new one). */
function dropWatchStream(client: unknown): void {
  const manager = (client as { watchManager: { handleError(err: Error): void } }).watchManager;
  manager.handleError(new Error('watch stream dropped by the test'));
}

describe('a write sent twice', () => {
  // the etcd client sends a call whose member stopped once more to another member; when etcd had
  // committed the first send, the second one meets the write's own result
  it('a create or update that finds its own bytes stored answers with them; different bytes are still 409', async () => {
    const key = `/twice/${nextNs()}/cm`;
    const obj = { ...cm('cm', { v: '1' }), metadata: { name: 'cm', uid: 'u-1' } };
    const first = await h.storage.create(key, obj);
    const again = await h.storage.create(key, obj);
    expect(again.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    await expect(
      h.storage.create(key, { ...obj, metadata: { name: 'cm', uid: 'u-2' } }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);

    const next = { ...obj, data: { v: '2' } };
    const rv = first.metadata.resourceVersion ?? '';
    const updated = await h.storage.update(key, next, rv);
    const repeated = await h.storage.update(key, next, rv);
    expect(repeated.metadata.resourceVersion).toBe(updated.metadata.resourceVersion);
    await expect(h.storage.update(key, { ...obj, data: { v: '3' } }, rv)).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await h.storage.get(key))?.data).toEqual({ v: '2' });
  });
});

describe('watch', () => {
  it('delivers every change in order, also after a reconnect from the last resourceVersion', async () => {
    const namespace = nextNs();
    const c = h.client.resource(CM, namespace);
    const start = (await c.list()).metadata.resourceVersion ?? '0';
    const seen: WatchEvent[] = [];
    const w1 = c.watch({ resourceVersion: start });
    const it1 = w1[Symbol.asyncIterator]();
    await c.create(cm('w', { i: '0' }));
    for (let i = 1; i <= 3; i++) {
      const cur = await c.get('w');
      cur.data = { i: String(i) };
      await c.update(cur);
    }
    for (let i = 0; i < 4; i++) seen.push((await it1.next()).value as WatchEvent);
    w1.stop();
    const lastRv = seen[seen.length - 1]?.object.metadata.resourceVersion ?? '';
    // changes while disconnected
    for (let i = 4; i <= 6; i++) {
      const cur = await c.get('w');
      cur.data = { i: String(i) };
      await c.update(cur);
    }
    await c.delete('w');
    const w2 = c.watch({ resourceVersion: lastRv });
    const it2 = w2[Symbol.asyncIterator]();
    for (let i = 0; i < 4; i++) seen.push((await it2.next()).value as WatchEvent);
    w2.stop();
    expect(seen.map((e) => e.type)).toEqual([
      'ADDED',
      'MODIFIED',
      'MODIFIED',
      'MODIFIED',
      'MODIFIED',
      'MODIFIED',
      'MODIFIED',
      'DELETED',
    ]);
    expect(seen.slice(0, 7).map((e) => (e.object.data as { i: string }).i)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
    ]);
    const rvs = seen.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
    expect(new Set(rvs).size).toBe(rvs.length);
  });

  it('answers 410 Gone for a compacted resourceVersion, and an informer relists through it', async () => {
    const namespace = nextNs();
    const c = h.client.resource(CM, namespace);
    const a = await c.create(cm('a'));
    const informer = new SharedInformer({ client: c, backoffMs: 50 });
    const ac = new AbortController();
    const deleted: string[] = [];
    informer.addEventHandler({ onDelete: (o) => deleted.push(o.metadata.name ?? '') });
    const running = informer.run(ac.signal);
    await informer.waitForSync();
    expect(informer.list().map((o) => o.metadata.name)).toEqual(['a']);
    const old = a.metadata.resourceVersion ?? '';
    await c.create(cm('b'));
    // one more change, so that a's revision is older than the one-event watch cache window
    await c.patch('b', { data: { v: '2' } }, 'merge');
    const latest = await c.list();
    await h.storage.client.kv.compact({
      revision: latest.metadata.resourceVersion ?? '0',
      physical: true,
    });
    const w = c.watch({ resourceVersion: old });
    await expect(w[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(GoneError);
    await c.delete('a');
    await expect
      .poll(() =>
        informer
          .list()
          .map((o) => o.metadata.name)
          .sort(),
      )
      .toEqual(['b']);
    expect(deleted).toContain('a');
    ac.abort();
    await running;
  });

  it('filters by label selector and reports objects leaving the selector as DELETED', async () => {
    const c = h.client.resource(CM, nextNs());
    const w = c.watch({ labelSelector: 'app=web' });
    const it = w[Symbol.asyncIterator]();
    await c.create(cm('x', {}, { app: 'db' }));
    await c.create(cm('y', {}, { app: 'web' }));
    await c.patch('y', { metadata: { labels: { app: 'db' } } }, 'merge');
    const e1 = (await it.next()).value as WatchEvent;
    const e2 = (await it.next()).value as WatchEvent;
    w.stop();
    expect([e1.type, e1.object.metadata.name]).toEqual(['ADDED', 'y']);
    expect([e2.type, e2.object.metadata.name]).toEqual(['DELETED', 'y']);
  });
});

describe('pagination', () => {
  it('limit/continue returns every object exactly once, from one snapshot', async () => {
    const namespace = nextNs();
    const c = h.client.resource(CM, namespace);
    const names = Array.from({ length: 120 }, (_, i) => `obj-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 20) {
      await Promise.all(
        names
          .slice(i, i + 20)
          .map((n, j) => c.create(cm(n, {}, { parity: (i + j) % 2 === 0 ? 'even' : 'odd' }))),
      );
    }
    const got: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    let first = true;
    do {
      const page = await c.list({ limit: 7, ...(cont ? { continue: cont } : {}) });
      if (first) {
        // a write after the first page must not show up in later pages (snapshot read)
        await c.create(cm('zzz-late'));
        first = false;
      }
      expect(page.items.length).toBeLessThanOrEqual(7);
      got.push(...page.items.map((o) => o.metadata.name ?? ''));
      cont = page.metadata.continue;
      pages++;
    } while (cont);
    expect(pages).toBe(Math.ceil(120 / 7));
    expect(got).toEqual(names);
    const even: string[] = [];
    cont = undefined;
    do {
      const page = await c.list({
        limit: 9,
        labelSelector: 'parity=even',
        ...(cont ? { continue: cont } : {}),
      });
      even.push(...page.items.map((o) => o.metadata.name ?? ''));
      cont = page.metadata.continue;
    } while (cont);
    expect(even).toEqual(names.filter((_, i) => i % 2 === 0));
  });
});
