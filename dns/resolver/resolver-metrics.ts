import { Counter, Histogram, Registry } from 'prom-client';
import { DnsQueryMetrics } from '../metrics/dns-query-metrics.js';

/** Upstream latency buckets (seconds), CoreDNS' forward plugin's range: 0.25 ms to ~8 s. */
const UPSTREAM_BUCKETS = [0.00025, 0.001, 0.004, 0.016, 0.064, 0.256, 1.024, 2.048, 4.096, 8.192];

/**
 * The resolver's counters, CoreDNS style (`dns_requests_total{server,type}`,
 * `dns_cache_hits_total`, `dns_cache_misses_total`, `dns_responses_total{rcode}`,
 * `dns_upstream_request_duration_seconds`). The query path only bumps plain numbers (the cache-hit
 * path must not slow down); the Prometheus metrics read them when scraped. One instance per
 * resolver, i.e. per worker process: the primary aggregates workers through prom-client's
 * AggregatorRegistry. The request and response counters are the shared {@link DnsQueryMetrics}
 * the cluster DNS exports too.
 */
export class ResolverMetrics extends DnsQueryMetrics {
  cacheHits = 0;
  cacheMisses = 0;
  private readonly upstream: Histogram;

  constructor(registry: Registry = new Registry()) {
    super(registry);
    const registers = [registry];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the collect callbacks bind `this` to the metric
    const self = this;
    new Counter({
      name: 'dns_cache_hits_total',
      help: 'The count of cache hits.',
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        this.inc({ server: self.server }, self.cacheHits);
      },
    });
    new Counter({
      name: 'dns_cache_misses_total',
      help: 'The count of cache misses (forwarded or federated answers).',
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        this.inc({ server: self.server }, self.cacheMisses);
      },
    });
    this.upstream = new Histogram({
      name: 'dns_upstream_request_duration_seconds',
      help: 'Histogram of the time each upstream request took.',
      buckets: UPSTREAM_BUCKETS,
      registers,
    });
  }

  /** Records one upstream exchange (on the miss path only). */
  upstreamDone(seconds: number): void {
    this.upstream.observe(seconds);
  }
}
