/**
 * Get-or-create helpers for prom-client metrics: a component restarted in the same process (a
 * controller manager regaining leadership, a test starting a second scheduler on one API server's
 * registry) reuses the series instead of failing on a duplicate name. Without a registry the
 * metric is unregistered: observations cost little and go nowhere.
 */
import {
  Counter,
  Gauge,
  Histogram,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Registry,
} from 'prom-client';
import type { WorkqueueMetricsProvider } from '../workqueue/metrics.js';
import { PrometheusWorkqueueMetrics } from './workqueue-metrics.js';

/**
 * The Prometheus registry behind a process's workqueue metrics provider (the one a controller
 * manager or API server hands its controllers), so a component's own series land on the same
 * `/metrics`; undefined for the no-op provider.
 */
export function registryOf(provider: WorkqueueMetricsProvider | undefined): Registry | undefined {
  return provider instanceof PrometheusWorkqueueMetrics ? provider.registry : undefined;
}

/** The counter `cfg.name` of `registry`, created when missing. */
export function counter<L extends string>(
  registry: Registry | undefined,
  cfg: CounterConfiguration<L>,
): Counter<L> {
  const seen = registry?.getSingleMetric(cfg.name);
  if (seen instanceof Counter) return seen;
  return new Counter({ ...cfg, registers: registry ? [registry] : [] });
}

/** The gauge `cfg.name` of `registry`, created when missing. */
export function gauge<L extends string>(
  registry: Registry | undefined,
  cfg: GaugeConfiguration<L>,
): Gauge<L> {
  const seen = registry?.getSingleMetric(cfg.name);
  if (seen instanceof Gauge) return seen;
  return new Gauge({ ...cfg, registers: registry ? [registry] : [] });
}

/** The histogram `cfg.name` of `registry`, created when missing. */
export function histogram<L extends string>(
  registry: Registry | undefined,
  cfg: HistogramConfiguration<L>,
): Histogram<L> {
  const seen = registry?.getSingleMetric(cfg.name);
  if (seen instanceof Histogram) return seen;
  return new Histogram({ ...cfg, registers: registry ? [registry] : [] });
}
