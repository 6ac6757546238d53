import { connect, createServer, type Server, type Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { Frontend } from './frontend.js';
import { backendId } from './load-balancer.js';

/**
 * A TCP frontend: every accepted connection is joined to a backend picked by the load balancer.
 * A backend that refuses (or does not answer within the connect timeout) is skipped and the next
 * one tried, up to `connectAttempts`; with no ready backend left the client connection is reset
 * at once, as kube-proxy's REJECT rule does.
 */
export class TcpFrontend extends Frontend {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  protected bind(): Promise<void> {
    const server = createServer(
      { pauseOnConnect: true, allowHalfOpen: true, noDelay: true },
      (c) => {
        this.accept(c);
      },
    );
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        server.close();
        reject(err);
      };
      server.once('error', onError);
      // exclusive: never share the port through the cluster module
      server.listen({ host: this.spec.ip, port: this.spec.port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (err) => {
          this.opts.logger.warn(`${this.spec.key}: ${err.message}`);
        });
        this.server = server;
        resolve();
      });
    });
  }

  protected async unbind(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    // errors end in 'close'; the pipelines below handle them
    s.on('error', () => undefined);
  }

  private accept(client: Socket): void {
    this.track(client);
    this.dial(client, client.remoteAddress ?? '', new Set(), 0);
  }

  private dial(client: Socket, clientIp: string, tried: Set<string>, attempt: number): void {
    const m = this.opts.metrics;
    const b = attempt < this.opts.connectAttempts ? this.lb.pick(clientIp, tried) : undefined;
    if (!b) {
      m.connections.inc({ protocol: 'TCP', result: attempt === 0 ? 'no_endpoint' : 'failed' });
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: b.ip, port: b.port, allowHalfOpen: true, noDelay: true });
    this.track(upstream);
    upstream.setTimeout(this.opts.connectTimeoutMs);
    const fail = (): void => {
      upstream.destroy();
      m.backendErrors.inc();
      tried.add(backendId(b));
      if (!client.destroyed) this.dial(client, clientIp, tried, attempt + 1);
    };
    upstream.once('timeout', fail);
    upstream.once('error', fail);
    upstream.once('connect', () => {
      upstream.off('timeout', fail);
      upstream.off('error', fail);
      upstream.setTimeout(0);
      m.connections.inc({ protocol: 'TCP', result: 'forwarded' });
      const done = (err: Error | null | undefined): void => {
        if (err) {
          client.destroy();
          upstream.destroy();
        }
      };
      pipeline(client, upstream, done);
      pipeline(upstream, client, done);
      client.resume();
    });
  }
}
