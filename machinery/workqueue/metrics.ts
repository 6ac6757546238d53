/**
 * What a {@link WorkQueue} reports about itself, shaped like client-go's `workqueue.MetricsProvider`:
 * the queue calls these on its own transitions and the provider decides where the numbers go
 * (Prometheus, or nowhere).
 */
export interface QueueMetrics {
  /** An item entered the queue (after de-duplication). */
  added(item: string): void;
  /** A worker took the item off the queue. */
  started(item: string): void;
  /** The worker called `done(item)`. */
  finished(item: string): void;
  /** The item was re-added through the rate limiter. */
  retried(): void;
}

/** Makes the metrics of each named queue and controller (client-go `workqueue.MetricsProvider`). */
export interface WorkqueueMetricsProvider {
  /** Metrics of the queue called `name`; `depth` is read when the metrics are scraped. */
  queue(name: string, depth: () => number): QueueMetrics;
  /** Counts one failed reconcile of `controller`. */
  reconcileError(controller: string): void;
}

const noopQueue: QueueMetrics = {
  added: () => undefined,
  started: () => undefined,
  finished: () => undefined,
  retried: () => undefined,
};

/** The default provider: records nothing, so queues outside a server cost nothing extra. */
export const noopWorkqueueMetrics: WorkqueueMetricsProvider = {
  queue: () => noopQueue,
  reconcileError: () => undefined,
};
