import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  handleAll,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { UpstreamError } from './upstream-error.js';

/** Options for {@link UpstreamPool}. */
export interface UpstreamPoolOptions {
  timeoutMs?: number;
  /** Consecutive failures that open a server's breaker. @defaultValue 3 */
  failureThreshold?: number;
  halfOpenAfterMs?: number;
}

function split(server: string): { host: string; port: number } {
  const i = server.lastIndexOf(':');
  return i < 0
    ? { host: server, port: 53 }
    : { host: server.slice(0, i), port: Number(server.slice(i + 1)) };
}

/**
 * Sends raw queries to upstream servers: UDP first, TCP when the answer is truncated; one
 * cockatiel circuit breaker per server, and failover to the next server of the route.
 */
export class UpstreamPool {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly opts: UpstreamPoolOptions;
  readonly counts = new Map<string, number>();

  constructor(opts: UpstreamPoolOptions = {}) {
    this.opts = opts;
  }

  private breaker(server: string): CircuitBreakerPolicy {
    let b = this.breakers.get(server);
    if (!b) {
      b = circuitBreaker(handleAll, {
        halfOpenAfter: this.opts.halfOpenAfterMs ?? 5000,
        breaker: new ConsecutiveBreaker(this.opts.failureThreshold ?? 3),
      });
      this.breakers.set(server, b);
    }
    return b;
  }

  /** Resolves with the first answer from `servers` (in order, skipping open breakers). */
  async query(query: Buffer, servers: string[]): Promise<Buffer> {
    let last: unknown;
    for (const s of servers) {
      try {
        return await this.breaker(s).execute(async () => {
          this.counts.set(s, (this.counts.get(s) ?? 0) + 1);
          const udp = await this.udp(query, s);
          return (udp.readUInt16BE(2) & 0x0200) !== 0 ? await this.tcp(query, s) : udp;
        });
      } catch (err) {
        last = err instanceof BrokenCircuitError ? new UpstreamError(s, 'circuit open') : err;
      }
    }
    throw last instanceof Error ? last : new UpstreamError(servers.join(','), 'no upstream');
  }

  private udp(query: Buffer, server: string): Promise<Buffer> {
    const { host, port } = split(server);
    const id = query.readUInt16BE(0);
    return new Promise((resolve, reject) => {
      const sock = createSocket('udp4');
      const timer = setTimeout(() => {
        sock.close();
        reject(new UpstreamError(server, 'timeout'));
      }, this.opts.timeoutMs ?? 2000);
      sock.on('message', (msg, rinfo) => {
        if (rinfo.port !== port || msg.length < 12 || msg.readUInt16BE(0) !== id) return;
        clearTimeout(timer);
        sock.close();
        resolve(msg);
      });
      sock.on('error', (err) => {
        clearTimeout(timer);
        sock.close();
        reject(new UpstreamError(server, err.message));
      });
      sock.send(query, port, host);
    });
  }

  private tcp(query: Buffer, server: string): Promise<Buffer> {
    const { host, port } = split(server);
    return new Promise((resolve, reject) => {
      const s = connect({ host, port });
      let buf = Buffer.alloc(0);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new UpstreamError(server, 'tcp timeout'));
      }, this.opts.timeoutMs ?? 2000);
      s.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(query.length);
        s.write(Buffer.concat([len, query]));
      });
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          clearTimeout(timer);
          s.destroy();
          resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        }
      });
      s.on('error', (err) => {
        clearTimeout(timer);
        reject(new UpstreamError(server, err.message));
      });
    });
  }
}
