import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a scrape returns. */
export interface MetricsSource {
  contentType: string;
  /** The text exposition; may ask the workers (cluster aggregation), hence a promise. */
  render(): Promise<string>;
}

/** A running metrics endpoint. */
export interface MetricsEndpoint {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` over plain HTTP on 127.0.0.1 only: the counters say which names are asked
 * for, so they are not for other hosts (a scraper on the machine, or a tunnel, reads them).
 */
export async function serveMetrics(port: number, source: MetricsSource): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
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
    server.listen(port, '127.0.0.1', () => {
      resolve();
    });
  });
  return {
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
