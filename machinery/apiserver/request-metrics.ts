import { performance } from 'node:perf_hooks';
import type { Context, Next } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PrometheusWorkqueueMetrics } from '../metrics/workqueue-metrics.js';
import type { InFlightCounts } from './request-limits.js';
import type { DiscoveryPath, ResourcePath } from './request-path.js';

/** A subset of kube-apiserver's request latency buckets (seconds). */
const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 5, 10, 30, 60];

type RequestLabels = 'verb' | 'group' | 'resource' | 'subresource' | 'code';

/**
 * The Prometheus metrics of one API server, on its own {@link Registry} (several servers share a
 * test process, and each must report only its own requests): kube-apiserver's
 * `apiserver_request_total`, `apiserver_request_duration_seconds` and
 * `apiserver_current_inflight_requests`, `etcd_request_duration_seconds`, the controllers' workqueue series, and the process
 * defaults. Served as text at `GET /metrics`.
 */
export class ApiServerMetrics {
  readonly registry = new Registry();
  /** Updated by the in-flight limiter; read at scrape time. */
  readonly inFlight: InFlightCounts = { readOnly: 0, mutating: 0 };
  /** For the server's ControllerManager. */
  readonly workqueues: PrometheusWorkqueueMetrics;
  private readonly requests: Counter<RequestLabels>;
  private readonly durations: Histogram<'verb' | 'resource'>;
  private readonly etcdDurations: Histogram<'operation' | 'type'>;
  private processMetrics = false;

  constructor() {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, group, resource and code.',
      labelNames: ['verb', 'group', 'resource', 'subresource', 'code'],
      registers,
    });
    this.durations = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb and resource (no watches).',
      labelNames: ['verb', 'resource'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const inFlight = this.inFlight;
    new Gauge({
      name: 'apiserver_current_inflight_requests',
      help: 'Maximal number of currently used inflight request limit of this apiserver per request kind.',
      labelNames: ['request_kind'],
      registers,
      collect() {
        this.set({ request_kind: 'readOnly' }, inFlight.readOnly);
        this.set({ request_kind: 'mutating' }, inFlight.mutating);
      },
    });
    this.etcdDurations = new Histogram({
      name: 'etcd_request_duration_seconds',
      help: 'Etcd request latency in seconds for each operation and object type.',
      labelNames: ['operation', 'type'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.workqueues = new PrometheusWorkqueueMetrics(this.registry);
  }

  /** The storage's request observer (`EtcdStorage.observeRequests`). */
  readonly etcdRequest = (operation: string, type: string, seconds: number): void => {
    this.etcdDurations.observe({ operation, type }, seconds);
  };

  /**
   * Koa middleware, placed outside the error middleware so it sees the final status code. Labels
   * come from the path the route already parsed (`ctx.state.parsedPath`): no parsing here.
   */
  middleware(): (ctx: Context, next: Next) => Promise<void> {
    return async (ctx, next) => {
      const start = performance.now();
      try {
        await next();
      } finally {
        this.record(ctx, start);
      }
    };
  }

  private record(ctx: Context, start: number): void {
    const routed = ctx.state.parsedPath as
      { parsed: ResourcePath | DiscoveryPath | undefined } | undefined;
    const p = routed?.parsed;
    let verb = ctx.method;
    let group = '';
    let resource = '';
    let subresource = '';
    let longRunning = false;
    if (p && !('discovery' in p)) {
      group = p.group;
      resource = p.resource;
      subresource = p.subresource ?? '';
      // kube-apiserver reports GETs as LIST/WATCH/GET
      if (verb === 'GET') {
        const q = ctx.query;
        longRunning = q.watch === 'true' || q.watch === '1';
        verb = longRunning ? 'WATCH' : p.name === undefined ? 'LIST' : 'GET';
        longRunning ||= q.follow === 'true';
      }
    }
    this.requests.inc({ verb, group, resource, subresource, code: ctx.status });
    // a watch lasts as long as the client wants: its duration says nothing about latency
    if (!longRunning) {
      this.durations.observe({ verb, resource }, (performance.now() - start) / 1000);
    }
  }

  /** Answers `GET /metrics` with the text exposition format. */
  async serve(ctx: Context): Promise<void> {
    if (!this.processMetrics) {
      // only for servers that are scraped: the collectors start event-loop and GC observers
      this.processMetrics = true;
      collectDefaultMetrics({ register: this.registry });
    }
    const body = await this.registry.metrics();
    ctx.type = this.registry.contentType;
    ctx.body = body;
  }
}
