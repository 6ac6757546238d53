import { performance } from 'node:perf_hooks';
import { namedLogger } from '../log/default-logger.js';
import { runWithLogContext } from '../log/log-context.js';
import type { KubeObject } from '../meta.js';
import { objectKey } from '../meta.js';
import type { SharedInformer } from '../informer/shared-informer.js';
import type { WorkqueueMetricsProvider } from '../workqueue/metrics.js';
import { WorkQueue } from '../workqueue/work-queue.js';

/** Returned by a reconcile to be called again later (level-triggered polling, e.g. health checks). */
export interface RequeueAfter {
  requeueAfterMs: number;
}

/** A reconciler: converge the world for one key; throw to retry with backoff. */
export type Reconcile = (key: string) => Promise<RequeueAfter | undefined | void>;

/**
 * Minimal logger (what controllers log through). The process's pino-backed logger
 * (machinery/log) is one; the second argument of each method is the line's fields.
 */
export interface Logger {
  info(msg: string, ...args: unknown[]): void;
  warn(msg: string, ...args: unknown[]): void;
  error(msg: string, ...args: unknown[]): void;
  debug?(msg: string, ...args: unknown[]): void;
}

/**
 * The process's structured logger (machinery/log) named `prefix` (its `logger` field). A `quiet`
 * one writes only warnings and errors unless the binary runs with `-v 2` or more.
 */
export function consoleLogger(prefix: string, quiet = false): Logger {
  return namedLogger(prefix, quiet);
}

/** Options for {@link Controller}. */
export interface ControllerOptions {
  name: string;
  reconcile: Reconcile;
  /** Informers to wait for before starting workers. */
  informers: Pick<SharedInformer, 'waitForSync'>[];
  workers?: number;
  queue?: WorkQueue;
  logger?: Logger;
}

/**
 * Informer → workqueue → reconcile loop (STYLE §7–9). Handlers only enqueue keys; workers start
 * after every informer synced; success forgets the key, a thrown error requeues it rate-limited,
 * a RequeueAfter result schedules it again.
 */
export class Controller {
  readonly queue: WorkQueue;
  readonly name: string;
  private readonly opts: ControllerOptions;
  private readonly log: Logger;
  /** The per-reconcile debug lines (`-v 2`). */
  private readonly debug: Logger;
  private metrics: WorkqueueMetricsProvider | undefined;

  constructor(opts: ControllerOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.queue = opts.queue ?? new WorkQueue();
    this.log = opts.logger ?? consoleLogger(opts.name, true);
    this.debug = opts.logger ?? namedLogger(opts.name);
  }

  /** Handler that enqueues the object's own key. */
  enqueueObject = (obj: KubeObject): void => {
    this.queue.add(objectKey(obj));
  };

  /** Enqueues a key. */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /**
   * Runs until the signal aborts; awaits all workers before resolving. `metrics` (the server's,
   * handed over by the ControllerManager) gets the queue's metrics under the controller's name.
   */
  async run(signal: AbortSignal, metrics?: WorkqueueMetricsProvider): Promise<void> {
    if (metrics) {
      this.metrics = metrics;
      // attached before the first await: informer events only arrive after this
      this.queue.setMetrics(metrics.queue(this.name, () => this.queue.len));
    }
    await Promise.all(this.opts.informers.map((i) => i.waitForSync(signal)));
    const stop = (): void => {
      this.queue.shutDown();
    };
    signal.addEventListener('abort', stop);
    if (signal.aborted) stop();
    const workers = Array.from({ length: this.opts.workers ?? 2 }, () => this.worker());
    await Promise.all(workers);
    signal.removeEventListener('abort', stop);
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      // the request that last queued the key: on every line the reconcile logs (log context)
      const requestId = this.queue.requestIdOf(key);
      const ctx = { controller: this.name, key, requestId };
      try {
        await runWithLogContext(ctx, () => this.reconcileOne(key, requestId));
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async reconcileOne(key: string, requestId: string | undefined): Promise<void> {
    const start = performance.now();
    try {
      const res = await this.opts.reconcile(key);
      this.queue.forget(key);
      this.debug.debug?.('reconciled', { latencyMs: Math.round(performance.now() - start) });
      if (res && res.requeueAfterMs >= 0) {
        this.queue.addAfter(key, res.requeueAfterMs, requestId);
      }
    } catch (err) {
      this.log.warn(
        `reconcile ${key} failed (retry ${String(this.queue.numRequeues(key) + 1)}): ${err instanceof Error ? err.message : String(err)}`,
      );
      this.metrics?.reconcileError(this.name);
      this.queue.addRateLimited(key, requestId);
    }
  }
}
