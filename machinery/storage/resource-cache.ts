/**
 * One resource's watch cache (kube-apiserver's Cacher and watchCache): every object of the
 * resource in memory, kept current by a single storage watch, plus a window of the recent
 * events. Watches of the resource are served from it: the events after the watcher's
 * resourceVersion are replayed from the window and the live ones fanned out, each decoded once
 * for every watcher instead of once per watcher. Objects handed out are deeply frozen: they are
 * shared by every reader, and a reader that changed one would change it for all the others.
 */
import type { KubeObject } from '../meta.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { ObjectStorage, StorageEvent, StorageWatch } from './object-storage.js';

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  return value;
}

/** Options for {@link ResourceCache}. */
export interface ResourceCacheOptions {
  /** Events kept at most. @defaultValue 10,000 */
  maxEvents?: number;
  /** Events older than this are let go once newer ones arrive. @defaultValue 5 min */
  windowMs?: number;
  /**
   * Wait before listing again after the storage watch ended, doubled after each restart that did
   * not get the cache ready again (at most 30 s). @defaultValue 1 s
   */
  restartDelayMs?: number;
  /** Told why the cache stopped serving and starts over. */
  onRestart?: (reason: string) => void;
  /** Clock (tests). */
  now?: () => number;
}

interface CachedEvent {
  rv: number;
  key: string;
  event: StorageEvent;
  at: number;
}

interface CacheWatcher {
  prefix: string;
  fromRv: number;
  queue: AsyncQueue<StorageEvent>;
}

/** The fewest events kept whatever their age, so a short idle watch can still resume. */
const MIN_EVENTS = 100;

/**
 * The cache of the objects under `root` (`/registry/pods/`). `start()` lists them and watches
 * from the list's revision; it is ready once the list is in. Objects are keyed as the registry
 * stores them: `root` + `namespace/` (when namespaced) + name.
 */
export class ResourceCache {
  readonly root: string;
  private readonly inner: ObjectStorage;
  private readonly maxEvents: number;
  private readonly windowMs: number;
  private readonly restartDelayMs: number;
  private readonly onRestart: ((reason: string) => void) | undefined;
  private readonly now: () => number;
  private readonly store = new Map<string, KubeObject>();
  /** The events after {@link windowStart}, oldest first, from index {@link head} on. */
  private events: CachedEvent[] = [];
  private head = 0;
  /** Every change after this revision is in {@link events}. */
  private windowStart = 0;
  /** The revision the store reflects. */
  private rv = 0;
  private ready = false;
  private readyWaiters: (() => void)[] = [];
  private readonly watchers = new Set<CacheWatcher>();
  private innerWatch: StorageWatch | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  /** Restarts in a row that did not get ready (a list that keeps failing backs off). */
  private failures = 0;

  constructor(inner: ObjectStorage, root: string, opts: ResourceCacheOptions = {}) {
    this.inner = inner;
    this.root = root;
    this.maxEvents = opts.maxEvents ?? 10_000;
    this.windowMs = opts.windowMs ?? 5 * 60_000;
    this.restartDelayMs = opts.restartDelayMs ?? 1_000;
    this.onRestart = opts.onRestart;
    this.now = opts.now ?? Date.now;
  }

  /** Lists and starts watching; returns at once, {@link whenReady} tells when it serves. */
  start(): void {
    if (this.stopped) return;
    void this.run().catch((err: unknown) => {
      this.restart(err instanceof Error ? err.message : String(err));
    });
  }

  /** True while the cache is current and serves reads and watches. */
  isReady(): boolean {
    return this.ready;
  }

  /** Resolves true once ready, false when `ms` passed first (or the cache stopped). */
  whenReady(ms: number): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        resolve(this.ready);
      };
      const t = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        resolve(false);
      }, ms);
      this.readyWaiters.push(done);
    });
  }

  private keyOf(obj: KubeObject): string {
    const ns = obj.metadata.namespace;
    return `${this.root}${ns !== undefined && ns !== '' ? `${ns}/` : ''}${obj.metadata.name ?? ''}`;
  }

  private async run(): Promise<void> {
    const list = await this.inner.list(this.root);
    if (this.stopped) return;
    this.store.clear();
    for (const obj of list.items) this.store.set(this.keyOf(obj), deepFreeze(obj));
    this.rv = Number(list.resourceVersion);
    this.windowStart = this.rv;
    this.events = [];
    this.head = 0;
    const w = this.inner.watch(this.root, list.resourceVersion);
    this.innerWatch = w;
    this.ready = true;
    this.failures = 0;
    for (const done of this.readyWaiters.splice(0)) done();
    for await (const ev of w) this.apply(ev);
    // (a watch this cache stopped itself, to start over, is no news)
    if (this.innerWatch === w) this.restart('the storage watch ended');
  }

  private apply(ev: StorageEvent): void {
    const obj = deepFreeze(ev.object);
    if (ev.previous) deepFreeze(ev.previous);
    const key = this.keyOf(obj);
    const rv = Number(obj.metadata.resourceVersion);
    if (ev.type === 'DELETED') this.store.delete(key);
    else this.store.set(key, obj);
    if (rv > this.rv) this.rv = rv;
    const at = this.now();
    this.events.push({ rv, key, event: ev, at });
    this.trim(at);
    for (const w of this.watchers) {
      if (rv > w.fromRv && key.startsWith(w.prefix)) w.queue.push(ev);
    }
  }

  /** Lets go of events beyond the count, or older than the window once enough are kept. */
  private trim(now: number): void {
    for (;;) {
      const n = this.events.length - this.head;
      const oldest = this.events[this.head];
      if (oldest === undefined) break;
      const tooMany = n > this.maxEvents;
      const tooOld = n > MIN_EVENTS && now - oldest.at > this.windowMs;
      if (!tooMany && !tooOld) break;
      this.windowStart = oldest.rv;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  /** Stops serving: the storage watch and every watch served end (their clients watch again). */
  private halt(): void {
    this.ready = false;
    this.innerWatch?.stop();
    this.innerWatch = undefined;
    for (const w of this.watchers) w.queue.close();
    this.watchers.clear();
  }

  /** {@link halt}, then lists again later. */
  private restart(reason: string): void {
    this.halt();
    if (this.stopped) return;
    this.onRestart?.(reason);
    const delay = Math.min(this.restartDelayMs * 2 ** this.failures, 30_000);
    this.failures++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.start();
    }, delay);
  }

  /**
   * A watch of the keys under `prefix` with every change after `fromRv`, or undefined when the
   * cache cannot tell them all (not ready, or `fromRv` older than its window): the caller then
   * watches the storage itself.
   */
  watch(prefix: string, fromRv: string): StorageWatch | undefined {
    const from = Number(fromRv);
    if (!this.ready || !Number.isFinite(from) || from < this.windowStart) return undefined;
    const watcher: CacheWatcher = {
      prefix,
      fromRv: from,
      queue: new AsyncQueue<StorageEvent>(() => {
        this.watchers.delete(watcher);
      }),
    };
    for (const e of this.eventsAfter(from)) {
      if (e.key.startsWith(prefix)) watcher.queue.push(e.event);
    }
    this.watchers.add(watcher);
    return {
      stop: () => {
        this.watchers.delete(watcher);
        watcher.queue.close();
      },
      [Symbol.asyncIterator]: () => watcher.queue[Symbol.asyncIterator](),
    };
  }

  /** The window's events with a revision above `rv` (a binary search for the first). */
  private eventsAfter(rv: number): CachedEvent[] {
    let lo = this.head;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.events[mid]?.rv ?? 0) <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.events.slice(lo);
  }

  /** The cached object at `key` (frozen), or undefined when absent or the cache is not ready. */
  get(key: string): KubeObject | undefined {
    return this.ready ? this.store.get(key) : undefined;
  }

  /**
   * The objects under `prefix` that pass `filter`, in key order, and the revision they are at;
   * undefined when not ready.
   */
  list(
    prefix: string,
    filter?: (obj: KubeObject) => boolean,
  ): { items: KubeObject[]; resourceVersion: string } | undefined {
    if (!this.ready) return undefined;
    const keys = [...this.store.keys()].filter((k) => k.startsWith(prefix)).sort();
    const items: KubeObject[] = [];
    for (const k of keys) {
      const obj = this.store.get(k);
      if (obj && (!filter || filter(obj))) items.push(obj);
    }
    return { items, resourceVersion: String(this.rv) };
  }

  /** Watchers served now (metrics, tests). */
  watcherCount(): number {
    return this.watchers.size;
  }

  /** Stops for good: the storage watch and every watch served. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.halt();
    for (const done of this.readyWaiters.splice(0)) done();
  }
}
