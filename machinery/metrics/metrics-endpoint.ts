/**
 * Plain-HTTP `GET /metrics` endpoints of the binaries: a generic one for any text exposition
 * (the DNS resolver's cluster aggregation), and the controller managers' (kube-controller-manager's
 * `--metrics-bind-address`) with the workqueue series on a registry of their own.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { PrometheusWorkqueueMetrics } from './workqueue-metrics.js';

/** What a scrape returns. */
export interface MetricsSource {
  contentType: string;
  /** The text exposition; may ask other processes (cluster aggregation), hence a promise. */
  render(): Promise<string>;
}

/** A running metrics endpoint. */
export interface MetricsEndpoint {
  /** Listening port (the real one when asked for 0). */
  readonly port: number;
  /** `host:port` it listens on. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` over plain HTTP on `host:port` (0 = any free port); anything else is 404.
 * It has no authentication: callers bind a loopback address only.
 */
export async function serveMetrics(
  host: string,
  port: number,
  source: MetricsSource,
): Promise<MetricsEndpoint> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    source.render().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': source.contentType }).end(body);
      },
      (err: unknown) => {
        res.writeHead(500).end(`${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    address: `${host}:${String(bound)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** A controller manager's running `/metrics` endpoint. */
export interface ControllerManagerMetrics extends MetricsEndpoint {
  /** The workqueue metrics provider the controllers report to. */
  readonly workqueues: PrometheusWorkqueueMetrics;
}

/** Options of {@link serveControllerManagerMetrics}. */
export interface ControllerManagerMetricsOptions {
  /** Also serve prom-client's process metrics (`process_*`, `nodejs_*`). @defaultValue false */
  processMetrics?: boolean;
}

/**
 * Serves a controller manager's `workqueue_*` and `controller_reconcile_errors_total` series (on a
 * registry of its own) at `GET /metrics` over plain HTTP, apart from the API as
 * kube-controller-manager does. Only a loopback address should be given: there is no authentication.
 */
export async function serveControllerManagerMetrics(
  host: string,
  port: number,
  opts: ControllerManagerMetricsOptions = {},
): Promise<ControllerManagerMetrics> {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  const workqueues = new PrometheusWorkqueueMetrics(registry);
  const endpoint = await serveMetrics(host, port, {
    contentType: registry.contentType,
    render: () => registry.metrics(),
  });
  return { ...endpoint, workqueues };
}

/** A process's running `/metrics` endpoint with the registry its components report to. */
export interface ProcessMetrics extends MetricsEndpoint {
  readonly registry: Registry;
}

/**
 * Serves a fresh registry (with prom-client's process metrics) at `GET /metrics` over plain HTTP,
 * for processes without an API server of their own (the promotion worker's
 * `--metrics-bind-address`). `more`, when given, renders series from elsewhere (a DNS primary's
 * workers, summed) appended to each scrape; their names must not clash with the registry's.
 * Only a loopback address should be given: there is no authentication.
 */
export async function serveProcessMetrics(
  host: string,
  port: number,
  more?: () => Promise<string>,
): Promise<ProcessMetrics> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const endpoint = await serveMetrics(host, port, {
    contentType: registry.contentType,
    render: more
      ? async () => `${await registry.metrics()}\n${await more()}`
      : () => registry.metrics(),
  });
  return { ...endpoint, registry };
}
