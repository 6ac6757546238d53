import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { QueueMetrics, WorkqueueMetricsProvider } from '../workqueue/metrics.js';

/** client-go's latency buckets: 10 ns to 10 s, ×10 each. */
const LATENCY_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

/**
 * The Prometheus {@link WorkqueueMetricsProvider}: client-go's `workqueue_*` series labelled
 * `name`, and `controller_reconcile_errors_total{controller}`, registered on one server's
 * registry. Depth is read from the queue at scrape time, so adding an item costs one counter
 * increment and one timestamp.
 */
export class PrometheusWorkqueueMetrics implements WorkqueueMetricsProvider {
  /** The registry the series are on: other metrics of the same process go there too. */
  readonly registry: Registry;
  private readonly depths = new Map<string, () => number>();
  private readonly adds: Counter<'name'>;
  private readonly retries: Counter<'name'>;
  private readonly queueDuration: Histogram<'name'>;
  private readonly workDuration: Histogram<'name'>;
  private readonly errors: Counter<'controller'>;

  constructor(registry: Registry) {
    this.registry = registry;
    const registers = [registry];
    const depths = this.depths;
    new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name'],
      registers,
      collect() {
        for (const [name, depth] of depths) this.set({ name }, depth());
      },
    });
    this.adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name'],
      registers,
    });
    this.retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name'],
      registers,
    });
    this.queueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested.',
      labelNames: ['name'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: ['name'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.errors = new Counter({
      name: 'controller_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
  }

  /** {@inheritDoc WorkqueueMetricsProvider.queue} */
  queue(name: string, depth: () => number): QueueMetrics {
    this.depths.set(name, depth);
    // series exist from the start (at 0), so a quiet queue is visible too
    this.adds.inc({ name }, 0);
    this.retries.inc({ name }, 0);
    // children bound once: the per-item calls skip label hashing
    const adds = this.adds.labels(name);
    const retries = this.retries.labels(name);
    const queued = this.queueDuration.labels(name);
    const worked = this.workDuration.labels(name);
    const addedAt = new Map<string, number>();
    const startedAt = new Map<string, number>();
    return {
      added(item) {
        adds.inc();
        if (!addedAt.has(item)) addedAt.set(item, performance.now());
      },
      started(item) {
        const now = performance.now();
        const t = addedAt.get(item);
        if (t !== undefined) {
          queued.observe((now - t) / 1000);
          addedAt.delete(item);
        }
        startedAt.set(item, now);
      },
      finished(item) {
        const t = startedAt.get(item);
        if (t === undefined) return;
        worked.observe((performance.now() - t) / 1000);
        startedAt.delete(item);
      },
      retried() {
        retries.inc();
      },
    };
  }

  /** {@inheritDoc WorkqueueMetricsProvider.reconcileError} */
  reconcileError(controller: string): void {
    this.errors.inc({ controller });
  }
}
