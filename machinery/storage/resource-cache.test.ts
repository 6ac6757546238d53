import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '../meta.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { ObjectStorage, StorageEvent, StorageListResult } from './object-storage.js';
import { ResourceCache } from './resource-cache.js';

const ROOT = '/registry/configmaps/';

/** A storage listing nothing at revision 10 whose one watch delivers only what a test pushes. */
function silentStorage(opts: { canRestart: boolean }) {
  const watches: AsyncQueue<StorageEvent>[] = [];
  const storage = {
    restarts: 0,
    list: (): Promise<StorageListResult> => Promise.resolve({ items: [], resourceVersion: '10' }),
    watch: () => {
      const q = new AsyncQueue<StorageEvent>(() => undefined);
      watches.push(q);
      return { stop: () => q.close(), [Symbol.asyncIterator]: () => q[Symbol.asyncIterator]() };
    },
    restartWatches(): boolean {
      if (!opts.canRestart) return false;
      storage.restarts++;
      return true;
    },
  };
  const push = (rv: number): void => {
    const object: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'default', resourceVersion: String(rv) },
    };
    watches.at(-1)?.push({ type: 'ADDED', object });
  };
  return { storage, push, watches };
}

describe('ResourceCache: a storage watch that goes silent', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function started(canRestart: boolean) {
    const s = silentStorage({ canRestart });
    const stalls: string[] = [];
    const restarts: string[] = [];
    const cache = new ResourceCache(s.storage as unknown as ObjectStorage, ROOT, {
      stallMs: 1_000,
      onStall: (r) => stalls.push(r),
      onRestart: (r) => restarts.push(r),
    });
    cache.start();
    await vi.waitFor(() => {
      expect(cache.isReady()).toBe(true);
    });
    return { ...s, cache, stalls, restarts };
  }

  it('a write that comes back on the watch in time is no stall', async () => {
    const c = await started(true);
    c.cache.written('11');
    c.push(11);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(c.stalls).toEqual([]);
    expect(c.storage.restarts).toBe(0);
    expect(c.cache.get(`${ROOT}default/a`)?.metadata.resourceVersion).toBe('11');
    c.cache.stop();
  });

  it("restarts the storage's watches, and lists again when the write still does not come back", async () => {
    const c = await started(true);
    c.cache.written('11');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(c.stalls).toEqual([
      `the storage watch of ${ROOT} delivered nothing after revision 10, though revision 11 was written through it 1000 ms ago`,
    ]);
    expect(c.storage.restarts).toBe(1);
    expect(c.cache.isReady()).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(c.stalls).toHaveLength(2);
    expect(c.restarts).toHaveLength(1);
    // listed and watching again
    await vi.advanceTimersByTimeAsync(1_000);
    expect(c.cache.isReady()).toBe(true);
    expect(c.watches).toHaveLength(2);
    c.cache.stop();
  });

  it('once the restarted watch delivers, the cache goes on without listing again', async () => {
    const c = await started(true);
    c.cache.written('11');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(c.storage.restarts).toBe(1);
    c.push(11);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(c.restarts).toEqual([]);
    expect(c.watches).toHaveLength(1);
    c.cache.stop();
  });

  it('lists again at once when the storage cannot restart its watches', async () => {
    const c = await started(false);
    c.cache.written('11');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(c.stalls).toHaveLength(1);
    expect(c.restarts).toHaveLength(1);
    expect(c.cache.isReady()).toBe(false);
    c.cache.stop();
  });
});
