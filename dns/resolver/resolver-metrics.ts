import { Counter, Histogram, Registry } from 'prom-client';
import { RCODE, TYPE } from '../wire/dns-wire.js';

/** Upstream latency buckets (seconds), CoreDNS' forward plugin's range: 0.25 ms to ~8 s. */
const UPSTREAM_BUCKETS = [0.00025, 0.001, 0.004, 0.016, 0.064, 0.256, 1.024, 2.048, 4.096, 8.192];

const TYPE_NAMES = new Map<number, string>(Object.entries(TYPE).map(([k, v]) => [v, k]));
const RCODE_NAMES = new Map<number, string>(Object.entries(RCODE).map(([k, v]) => [v, k]));

/**
 * The resolver's counters, CoreDNS style (`dns_requests_total{server,type}`,
 * `dns_cache_hits_total`, `dns_cache_misses_total`, `dns_responses_total{rcode}`,
 * `dns_upstream_request_duration_seconds`). The query path only bumps plain numbers (the cache-hit
 * path must not slow down); the Prometheus metrics read them when scraped. One instance per
 * resolver, i.e. per worker process: the primary aggregates workers through prom-client's
 * AggregatorRegistry.
 */
export class ResolverMetrics {
  /** The registry to serve (or hand to the cluster aggregator). */
  readonly registry: Registry;
  /** `dns://host:port`, set once the resolver listens. */
  server = 'dns://';
  cacheHits = 0;
  cacheMisses = 0;
  /** Queries by record type number. */
  readonly requestsByType = new Map<number, number>();
  /** Responses by rcode (the header's 4 bits). */
  readonly responsesByRcode: number[] = new Array<number>(16).fill(0);
  private readonly upstream: Histogram;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the collect callbacks bind `this` to the metric
    const self = this;
    new Counter({
      name: 'dns_requests_total',
      help: 'Counter of DNS requests made per server and type.',
      labelNames: ['server', 'type'],
      registers,
      collect() {
        this.reset();
        for (const [t, n] of self.requestsByType) {
          this.inc({ server: self.server, type: TYPE_NAMES.get(t) ?? 'other' }, n);
        }
      },
    });
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
    new Counter({
      name: 'dns_responses_total',
      help: 'Counter of response status codes.',
      labelNames: ['server', 'rcode'],
      registers,
      collect() {
        this.reset();
        self.responsesByRcode.forEach((n, rc) => {
          if (n > 0) this.inc({ server: self.server, rcode: RCODE_NAMES.get(rc) ?? String(rc) }, n);
        });
      },
    });
    this.upstream = new Histogram({
      name: 'dns_upstream_request_duration_seconds',
      help: 'Histogram of the time each upstream request took.',
      buckets: UPSTREAM_BUCKETS,
      registers,
    });
  }

  /** Counts one parsed query. */
  request(type: number): void {
    this.requestsByType.set(type, (this.requestsByType.get(type) ?? 0) + 1);
  }

  /** Counts one response by the rcode in its header. */
  response(resp: Buffer | undefined): void {
    if (!resp || resp.length < 4) return;
    const rc = (resp[3] ?? 0) & 0x0f;
    this.responsesByRcode[rc] = (this.responsesByRcode[rc] ?? 0) + 1;
  }

  /** Records one upstream exchange (on the miss path only). */
  upstreamDone(seconds: number): void {
    this.upstream.observe(seconds);
  }
}
