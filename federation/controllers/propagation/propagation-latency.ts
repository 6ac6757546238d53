import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { PropagationMetrics } from '../../../machinery/metrics/propagation-metrics.js';
import { SchedulerMetrics } from '../../../machinery/metrics/scheduler-metrics.js';

/** A template change waiting to reach its clusters. */
interface PendingChange {
  /** When the federation first saw the change (ms). */
  at: number;
  /** Clusters it reached since. */
  reached: Set<string>;
}

/**
 * Measures `flotilla_propagation_latency_seconds{cluster}` for the propagation controller: the
 * first informer event of a template change starts the clock (later events before any cluster got
 * it keep the earliest time), and each cluster's first write of the object after it stops the
 * clock for that cluster. Writes that were no-ops, and drift repairs of a cluster already reached,
 * are not measured. Also carries the federation scheduler's attempt counters (profile
 * `federation-scheduler`), since placement runs inside the same reconcile.
 */
export class PropagationLatency {
  private readonly scheduler: SchedulerMetrics;
  private readonly metrics: PropagationMetrics;
  private readonly pending = new Map<string, PendingChange>();
  private readonly now: () => number;

  constructor(registry: Registry | undefined, now: () => number = Date.now) {
    this.metrics = new PropagationMetrics(registry);
    this.scheduler = new SchedulerMetrics(registry, 'federation-scheduler');
    this.now = now;
  }

  /** Runs one placement, counted as a federation scheduling attempt (none chosen: unschedulable). */
  placement<T extends { clusters: readonly unknown[] }>(place: () => T): T {
    const start = performance.now();
    const decision = place();
    this.scheduler.attempt(
      decision.clusters.length > 0 ? 'scheduled' : 'unschedulable',
      (performance.now() - start) / 1000,
    );
    return decision;
  }

  /** The template of `key` was added or changed. */
  changed(key: string): void {
    const p = this.pending.get(key);
    // not reached anywhere yet: the change still waits since the earlier event
    if (p && p.reached.size === 0) return;
    this.pending.set(key, { at: this.now(), reached: new Set() });
  }

  /** The template of `key` is gone. */
  deleted(key: string): void {
    this.pending.delete(key);
  }

  /** The object of `key` was written (created or updated) into `cluster`. */
  written(key: string, cluster: string): void {
    const p = this.pending.get(key);
    if (!p || p.reached.has(cluster)) return;
    p.reached.add(cluster);
    this.metrics.observe(cluster, (this.now() - p.at) / 1000);
  }
}
