import type { QueueMetrics } from './metrics.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

/** Options for {@link WorkQueue}. */
export interface WorkQueueOptions {
  rateLimiter?: RateLimiter;
  /** Timer functions (tests inject fakes). */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  /** Where the queue reports depth, adds, latencies and retries. @defaultValue none */
  metrics?: QueueMetrics;
}

/**
 * A rate-limited, de-duplicating work queue with client-go semantics: an item is queued at most
 * once (dirty set), never handed to two workers at once (processing set), and an item added while
 * it is being processed is queued again when `done` is called.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiters: ((item: string | undefined) => void)[] = [];
  private readonly timers = new Map<unknown, string>();
  private shuttingDown = false;
  private readonly limiter: RateLimiter;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private metrics: QueueMetrics | undefined;

  constructor(opts: WorkQueueOptions = {}) {
    this.metrics = opts.metrics;
    this.limiter = opts.rateLimiter ?? defaultControllerRateLimiter();
    this.setTimer = opts.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer =
      opts.clearTimeout ??
      ((h) => {
        clearTimeout(h as NodeJS.Timeout);
      });
  }

  /** Items waiting (not counting ones being processed). */
  get len(): number {
    return this.queue.length;
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

  add(item: string): void {
    if (this.shuttingDown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.metrics?.added(item);
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(item);
      this.processing.add(item);
      this.metrics?.started(item);
      w(item);
      return;
    }
    this.queue.push(item);
  }

  /** Adds after `ms` milliseconds. */
  addAfter(item: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(item);
      return;
    }
    const handle: unknown = this.setTimer(() => {
      this.timers.delete(handle);
      this.add(item);
    }, ms);
    this.timers.set(handle, item);
  }

  /** Adds after the rate limiter's delay for this item. */
  addRateLimited(item: string): void {
    this.metrics?.retried();
    this.addAfter(item, this.limiter.when(item));
  }

  /** Clears the item's failure history. */
  forget(item: string): void {
    this.limiter.forget(item);
  }

  numRequeues(item: string): number {
    return this.limiter.numRequeues(item);
  }

  /** Next item; undefined once the queue is shut down and drained. Call `done(item)` afterwards. */
  get(): Promise<string | undefined> {
    const item = this.queue.shift();
    if (item !== undefined) {
      this.dirty.delete(item);
      this.processing.add(item);
      this.metrics?.started(item);
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
    if (this.dirty.has(item)) {
      this.dirty.delete(item);
      this.add(item);
    }
  }

  /** Stops handing out items; pending `get()` calls resolve undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const h of this.timers.keys()) this.clearTimer(h);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
