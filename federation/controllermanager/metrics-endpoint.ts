import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { PrometheusWorkqueueMetrics } from '../../machinery/metrics/workqueue-metrics.js';

/** The controller manager's /metrics: its workqueues and the process defaults. */
export interface ControllerManagerMetrics {
  /** For the ControllerManager's queues. */
  readonly workqueues: PrometheusWorkqueueMetrics;
  /** Listening port. */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` over plain HTTP on a loopback address (kube-controller-manager serves its
 * metrics on its own port, apart from the API): the `workqueue_*` and
 * `controller_reconcile_errors_total` series of this process, on a registry of its own.
 */
export async function serveControllerManagerMetrics(
  host: string,
  port: number,
): Promise<ControllerManagerMetrics> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const workqueues = new PrometheusWorkqueueMetrics(registry);
  const server = createServer((req, res) => {
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
  return {
    workqueues,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
