import { currentRequestId } from '../log/log-context.js';
import type { QueueMetrics } from './metrics.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

/** Options for {@link WorkQueue}. */
export interface WorkQueueOptions {
  rateLimiter?: RateLimiter;
  /** Timer functions (tests inject fakes). */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  /** Monotonic milliseconds, for the deadlines of `addAfter`. @defaultValue performance.now */
  now?: () => number;
  /** Where the queue reports depth, adds, latencies and retries. @defaultValue none */
  metrics?: QueueMetrics;
  /**
   * An item's priority: `get` hands out the highest first, FIFO among equals (the scheduler's
   * active queue ordered by pod priority). Read when the item is queued. @defaultValue none: FIFO
   */
  priorityOf?: (item: string) => number;
}

/**
 * A rate-limited, de-duplicating work queue with client-go semantics: an item is queued at most
 * once (dirty set), never handed to two workers at once (processing set), an item added while
 * it is being processed is queued again when `done` is called, and an item waits on at most one
 * timer (the earliest deadline wins, as in client-go's delaying queue).
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: ((item: string | undefined) => void)[] = [];
  /** Items waiting for `addAfter`'s deadline: one timer each. */
  private readonly waiting = new Map<string, { handle: unknown; at: number }>();
  private shuttingDown = false;
  private readonly limiter: RateLimiter;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly now: () => number;
  private readonly priorityOf: ((item: string) => number) | undefined;
  /** With `priorityOf`: queued items per priority (each FIFO), and the priorities, highest first. */
  private readonly buckets = new Map<number, string[]>();
  private readonly priorities: number[] = [];
  private prioritized = 0;
  private metrics: QueueMetrics | undefined;
  /** The latest request id each queued item was added with (dedup keeps the latest). */
  private readonly queuedIds = new Map<string, string>();
  /** The request id of each item being processed, as it was when a worker got the item. */
  private readonly activeIds = new Map<string, string>();

  constructor(opts: WorkQueueOptions = {}) {
    this.metrics = opts.metrics;
    this.priorityOf = opts.priorityOf;
    this.limiter = opts.rateLimiter ?? defaultControllerRateLimiter();
    this.setTimer = opts.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer =
      opts.clearTimeout ??
      ((h) => {
        clearTimeout(h as NodeJS.Timeout);
      });
    this.now = opts.now ?? (() => performance.now());
  }

  /** Items waiting (not counting ones being processed). */
  get len(): number {
    return this.queue.length + this.prioritized;
  }

  /**
   * Starts reporting to `metrics` (a controller's queue is made before its server's metrics are
   * known, so they are attached when the controller runs).
   */
  setMetrics(metrics: QueueMetrics): void {
    this.metrics = metrics;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Queues `item` unless it is already queued. `requestId` (by default the one of the current
   * log context: the watch event an informer handler is running for) is remembered with the
   * item, the latest one winning, and handed to the worker through {@link requestIdOf}.
   */
  add(item: string, requestId: string | undefined = currentRequestId()): void {
    if (this.shuttingDown) return;
    if (requestId !== undefined) this.queuedIds.set(item, requestId);
    if (this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.metrics?.added(item);
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(item);
      this.start(item);
      w(item);
      return;
    }
    this.enqueue(item);
  }

  private enqueue(item: string): void {
    if (!this.priorityOf) {
      this.queue.push(item);
      return;
    }
    const p = this.priorityOf(item);
    let bucket = this.buckets.get(p);
    if (!bucket) {
      bucket = [];
      this.buckets.set(p, bucket);
      const at = this.priorities.findIndex((q) => q < p);
      this.priorities.splice(at < 0 ? this.priorities.length : at, 0, p);
    }
    bucket.push(item);
    this.prioritized++;
  }

  /** The request id of an item a worker is processing (see {@link add}). */
  requestIdOf(item: string): string | undefined {
    return this.activeIds.get(item);
  }

  private start(item: string): void {
    this.processing.add(item);
    const id = this.queuedIds.get(item);
    this.queuedIds.delete(item);
    if (id !== undefined) this.activeIds.set(item, id);
    else this.activeIds.delete(item);
    this.metrics?.started(item);
  }

  /**
   * Adds after `ms` milliseconds (with `requestId`, by default the current one). An item already
   * waiting keeps the earlier of its two deadlines, so a controller that asks for a periodic
   * requeue on every reconcile keeps one period however often events queue it meanwhile (each
   * requeue would otherwise start a chain of its own, and the reconciles multiply).
   */
  addAfter(item: string, ms: number, requestId: string | undefined = currentRequestId()): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(item, requestId);
      return;
    }
    const at = this.now() + ms;
    const w = this.waiting.get(item);
    if (w) {
      if (w.at <= at) return;
      this.clearTimer(w.handle);
    }
    const handle: unknown = this.setTimer(() => {
      this.waiting.delete(item);
      this.add(item, requestId);
    }, ms);
    this.waiting.set(item, { handle, at });
  }

  /** Adds after the rate limiter's delay for this item. */
  addRateLimited(item: string, requestId: string | undefined = currentRequestId()): void {
    this.metrics?.retried();
    this.addAfter(item, this.limiter.when(item), requestId);
  }

  /** Clears the item's failure history. */
  forget(item: string): void {
    this.limiter.forget(item);
  }

  numRequeues(item: string): number {
    return this.limiter.numRequeues(item);
  }

  /** Removes and returns the first queued item of the highest priority. */
  private takeHighest(): string | undefined {
    const p = this.priorities[0];
    const bucket = p === undefined ? undefined : this.buckets.get(p);
    if (p === undefined || !bucket) return undefined;
    const item = bucket.shift();
    if (bucket.length === 0) {
      this.buckets.delete(p);
      this.priorities.shift();
    }
    this.prioritized--;
    return item;
  }

  /** Next item; undefined once the queue is shut down and drained. Call `done(item)` afterwards. */
  get(): Promise<string | undefined> {
    const item = this.priorityOf ? this.takeHighest() : this.queue.shift();
    if (item !== undefined) {
      this.dirty.delete(item);
      this.start(item);
      return Promise.resolve(item);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
    });
  }

  /** Marks an item finished; re-queues it if it was added while processing. */
  done(item: string): void {
    if (this.processing.delete(item)) this.metrics?.finished(item);
    this.activeIds.delete(item);
    if (this.dirty.has(item)) {
      this.dirty.delete(item);
      this.add(item, this.queuedIds.get(item));
    }
  }

  /** Stops handing out items; pending `get()` calls resolve undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const w of this.waiting.values()) this.clearTimer(w.handle);
    this.waiting.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
