import type { Histogram, Registry } from 'prom-client';
import { histogram } from './metric-factory.js';

/** From a tenth of a second to ten minutes. */
const PROPAGATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];

/**
 * `flotilla_propagation_latency_seconds{cluster}`: from a template's change being first seen by
 * the federation to the object being created or updated in that member cluster.
 */
export class PropagationMetrics {
  private readonly latency: Histogram<'cluster'>;

  constructor(registry: Registry | undefined) {
    this.latency = histogram(registry, {
      name: 'flotilla_propagation_latency_seconds',
      help: 'Seconds from a template change first seen by the federation to the object written in the member cluster.',
      labelNames: ['cluster'],
      buckets: PROPAGATION_BUCKETS,
    });
  }

  /** One object reached `cluster` `seconds` after its template changed. */
  observe(cluster: string, seconds: number): void {
    this.latency.observe({ cluster }, Math.max(0, seconds));
  }
}
