/**
 * The API server's watch cache (kube-apiserver's cacher layer over etcd): an {@link ObjectStorage}
 * that writes through to the storage below and serves from memory what may be served from it —
 * watches (one storage watch per resource, fanned out to every client), lists at
 * resourceVersion "0" (any state not older than what the cache has seen) and the current object
 * an update starts from (checked by the write's own revision compare; a stale one costs a retry
 * read from storage, as kube-apiserver's GuaranteedUpdate does). Consistent reads (get, and lists
 * without a resourceVersion) still go to storage.
 */
import type { KubeObject } from '../meta.js';
import { AsyncQueue } from '../util/async-queue.js';
import type {
  ObjectStorage,
  StorageEvent,
  StorageListOptions,
  StorageListResult,
  StorageWatch,
} from './object-storage.js';
import { ResourceCache, type ResourceCacheOptions } from './resource-cache.js';

/** Options for {@link WatchCache}. */
export interface WatchCacheOptions extends ResourceCacheOptions {
  /**
   * The resource prefixes cached (`/registry/pods/`, `/registry/apps/deployments/`); keys under
   * any other prefix are read and watched from storage.
   */
  resources: readonly string[];
  /** How long a watch waits for its resource's cache to be ready before it goes to storage. @defaultValue 5 s */
  readyWaitMs?: number;
}

/** Resources kept out of the cache: Events are many, short-lived and rarely watched. */
const UNCACHED = new Set(['/registry/events/']);

/** {@link ObjectStorage} with watches and "any version" reads served from memory. */
export class WatchCache implements ObjectStorage {
  private readonly inner: ObjectStorage;
  private readonly caches = new Map<string, ResourceCache>();
  private readonly readyWaitMs: number;
  private started = false;

  constructor(inner: ObjectStorage, opts: WatchCacheOptions) {
    this.inner = inner;
    this.readyWaitMs = opts.readyWaitMs ?? 5_000;
    for (const root of new Set(opts.resources)) {
      if (!UNCACHED.has(root)) this.caches.set(root, new ResourceCache(inner, root, opts));
    }
  }

  /** Lists every cached resource and starts watching it (kube-apiserver does so at start-up). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const c of this.caches.values()) c.start();
  }

  /**
   * The cache holding the keys under `prefix` (a resource's prefix, a namespace in it, or one
   * key): the longest cached root that `prefix` starts with, looked up at each `/` from the end.
   */
  private cacheOf(prefix: string): ResourceCache | undefined {
    for (let i = prefix.lastIndexOf('/'); i > 0; i = prefix.lastIndexOf('/', i - 1)) {
      const c = this.caches.get(prefix.slice(0, i + 1));
      if (c) return c;
    }
    return undefined;
  }

  create(key: string, obj: KubeObject): Promise<KubeObject> {
    return this.inner.create(key, obj);
  }

  get(key: string): Promise<KubeObject | undefined> {
    return this.inner.get(key);
  }

  /** The cached object at `key` (frozen: copy it to change it), or undefined when not cached. */
  cached(key: string): KubeObject | undefined {
    return this.cacheOf(key)?.get(key);
  }

  list(prefix: string, opts: StorageListOptions = {}): Promise<StorageListResult> {
    if (opts.resourceVersion === '0' && opts.limit === undefined && opts.continue === undefined) {
      const res = this.cacheOf(prefix)?.list(prefix, opts.filter);
      if (res) return Promise.resolve(res);
    }
    return this.inner.list(prefix, opts);
  }

  update(key: string, obj: KubeObject, expectedRv: string): Promise<KubeObject> {
    return this.inner.update(key, obj, expectedRv);
  }

  delete(key: string, expectedRv?: string): Promise<KubeObject> {
    return this.inner.delete(key, expectedRv);
  }

  /**
   * From the resource's cache when it holds every change after `fromRv` (waiting a little for a
   * cache still listing), else from storage (which answers 410 Gone for a compacted revision).
   */
  watch(prefix: string, fromRv: string): StorageWatch {
    const cache = this.cacheOf(prefix);
    if (!cache) return this.inner.watch(prefix, fromRv);
    const direct = cache.watch(prefix, fromRv);
    if (direct) return direct;
    if (cache.isReady()) return this.inner.watch(prefix, fromRv);
    // still listing: wait for it, then serve from the cache or from storage
    let source: StorageWatch | undefined;
    let stopped = false;
    const queue = new AsyncQueue<StorageEvent>(() => {
      stopped = true;
      source?.stop();
    });
    const pump = async (): Promise<void> => {
      await cache.whenReady(this.readyWaitMs);
      if (stopped) return;
      source = cache.watch(prefix, fromRv) ?? this.inner.watch(prefix, fromRv);
      for await (const ev of source) queue.push(ev);
      queue.close();
    };
    pump().catch((err: unknown) => {
      queue.fail(err);
    });
    return {
      stop: () => {
        stopped = true;
        source?.stop();
        queue.close();
      },
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    };
  }

  currentRevision(): Promise<string> {
    return this.inner.currentRevision();
  }

  isStale(obj: KubeObject): boolean {
    return this.inner.isStale?.(obj) ?? false;
  }

  /** Watches served from memory now, per resource prefix (metrics, tests). */
  watchers(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [root, c] of this.caches) if (c.watcherCount() > 0) out[root] = c.watcherCount();
    return out;
  }

  /** Stops the caches' storage watches; the storage below is closed by its owner. */
  close(): Promise<void> {
    for (const c of this.caches.values()) c.stop();
    return Promise.resolve();
  }
}
