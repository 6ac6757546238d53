import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge } from './metric-factory.js';

/** How one health check of a member cluster ended. */
export type HealthCheckResult = 'healthy' | 'unhealthy' | 'unreachable';

/**
 * `flotilla_cluster_ready{cluster}` (1 when the Cluster's Ready condition is True, else 0) and
 * `flotilla_cluster_health_checks_total{cluster,result}`, set by the cluster health controller.
 */
export class ClusterHealthMetrics {
  private readonly ready: Gauge<'cluster'>;
  private readonly checks: Counter<'cluster' | 'result'>;

  constructor(registry: Registry | undefined) {
    this.ready = gauge(registry, {
      name: 'flotilla_cluster_ready',
      help: 'Whether the member cluster is Ready (1) or not (0), as its Cluster condition says.',
      labelNames: ['cluster'],
    });
    this.checks = counter(registry, {
      name: 'flotilla_cluster_health_checks_total',
      help: 'Health checks of member clusters, by result.',
      labelNames: ['cluster', 'result'],
    });
  }

  /** Records one check of `cluster` and its readiness after it. */
  checked(cluster: string, result: HealthCheckResult, ready: boolean): void {
    this.checks.inc({ cluster, result });
    this.ready.set({ cluster }, ready ? 1 : 0);
  }

  /** The cluster is gone: its series too. */
  forget(cluster: string): void {
    this.ready.remove({ cluster });
  }
}
