import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { PrometheusWorkqueueMetrics } from '../../machinery/metrics/workqueue-metrics.js';

/** A running `/metrics` endpoint of the controller manager. */
export interface ControllerManagerMetrics {
  /** The workqueue metrics provider the controllers report to. */
  readonly workqueues: PrometheusWorkqueueMetrics;
  /** `host:port` it listens on (the real port when asked for 0). */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves the controllers' `workqueue_*` and `controller_reconcile_errors_total` series at
 * `GET /metrics` over plain HTTP (kube-controller-manager's `--metrics-bind-address`). Only a
 * loopback address is accepted by the option validation: the endpoint has no authentication.
 */
export async function serveControllerManagerMetrics(
  host: string,
  port: number,
): Promise<ControllerManagerMetrics> {
  const registry = new Registry();
  const workqueues = new PrometheusWorkqueueMetrics(registry);
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': registry.contentType }).end(body);
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
    workqueues,
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
