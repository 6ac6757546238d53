import type { WorkqueueMetricsProvider } from './metrics.js';
import { ItemExponentialRateLimiter, type RateLimiter } from './rate-limiter.js';
import { WorkQueue } from './work-queue.js';

/** Options for {@link PartitionedQueues}. */
export interface PartitionedQueuesOptions {
  /** Prefix of each partition's queue name in the metrics (`<name>/<partition>`). */
  name: string;
  /**
   * Handles one item of one partition. Resolves: done (its back-off is forgotten); throws: the
   * item is queued again after its partition's per-item back-off.
   */
  handle: (partition: string, item: string) => Promise<void>;
  /** Workers of each partition. @defaultValue 4 */
  workers?: number;
  /** Each partition's rate limiter. @defaultValue per-item exponential back-off, 200 ms → 30 s */
  rateLimiter?: () => RateLimiter;
  /** Told about each failed item (the error is not otherwise reported). */
  onError?: (partition: string, item: string, err: unknown) => void;
  /** Timer functions of the queues (tests inject fakes). */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/** One partition: its queue, its workers, the items waiting out a back-off. */
interface Partition {
  queue: WorkQueue;
  backingOff: Set<string>;
  started: boolean;
}

/**
 * One {@link WorkQueue} per partition (e.g. per member cluster), each with its own workers and
 * per-item back-off: a partition whose items are slow or failing only ties up its own workers,
 * and its retries wait without holding one. Partitions are made on first use and started once
 * {@link run} is called.
 */
export class PartitionedQueues {
  private readonly opts: PartitionedQueuesOptions;
  private readonly parts = new Map<string, Partition>();
  private readonly workers = new Set<Promise<void>>();
  private signal: AbortSignal | undefined;
  private metrics: WorkqueueMetricsProvider | undefined;

  constructor(opts: PartitionedQueuesOptions) {
    this.opts = opts;
  }

  /**
   * Starts the workers of every partition (and of those made later) until `signal` aborts, then
   * shuts the queues down and resolves once every worker has returned.
   */
  async run(signal: AbortSignal, metrics?: WorkqueueMetricsProvider): Promise<void> {
    this.signal = signal;
    this.metrics = metrics;
    for (const [name, p] of this.parts) this.start(name, p);
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    for (const p of this.parts.values()) p.queue.shutDown();
    while (this.workers.size > 0) await Promise.all([...this.workers]);
  }

  /** Queues `item` in `partition` now (a back-off it was waiting out is cut short). */
  add(partition: string, item: string): void {
    this.partition(partition).queue.add(item);
  }

  /** True while the item waits for a retry after a failure. */
  backingOff(partition: string, item: string): boolean {
    return this.parts.get(partition)?.backingOff.has(item) === true;
  }

  /** Retries every item of `partition` that waits out a back-off now, with fresh back-off. */
  retryNow(partition: string): void {
    const p = this.parts.get(partition);
    if (!p) return;
    for (const item of p.backingOff) {
      p.queue.forget(item);
      p.queue.add(item);
    }
  }

  /** Items queued (not being handled) in `partition`. */
  depth(partition: string): number {
    return this.parts.get(partition)?.queue.len ?? 0;
  }

  /** The partitions made so far. */
  partitions(): string[] {
    return [...this.parts.keys()];
  }

  /** Drops a partition: its queue is shut down, its workers return after their current item. */
  drop(partition: string): void {
    const p = this.parts.get(partition);
    if (!p) return;
    p.queue.shutDown();
    this.parts.delete(partition);
  }

  private partition(name: string): Partition {
    let p = this.parts.get(name);
    if (!p) {
      const o = this.opts;
      p = {
        queue: new WorkQueue({
          rateLimiter: o.rateLimiter?.() ?? new ItemExponentialRateLimiter(200, 30_000),
          ...(o.setTimeout ? { setTimeout: o.setTimeout } : {}),
          ...(o.clearTimeout ? { clearTimeout: o.clearTimeout } : {}),
        }),
        backingOff: new Set(),
        started: false,
      };
      this.parts.set(name, p);
      this.start(name, p);
    }
    return p;
  }

  private start(name: string, p: Partition): void {
    if (p.started || !this.signal || this.signal.aborted) return;
    p.started = true;
    const q = p.queue;
    if (this.metrics) q.setMetrics(this.metrics.queue(`${this.opts.name}/${name}`, () => q.len));
    for (let i = 0; i < (this.opts.workers ?? 4); i++) {
      const w = this.worker(name, p).finally(() => this.workers.delete(w));
      this.workers.add(w);
    }
  }

  private async worker(name: string, p: Partition): Promise<void> {
    for (;;) {
      const item = await p.queue.get();
      if (item === undefined) return;
      p.backingOff.delete(item);
      try {
        await this.opts.handle(name, item);
        p.queue.forget(item);
      } catch (err) {
        this.opts.onError?.(name, item, err);
        p.backingOff.add(item);
        p.queue.addRateLimited(item);
      } finally {
        p.queue.done(item);
      }
    }
  }
}
