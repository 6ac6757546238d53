import { connect } from 'node:net';
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleAll,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { answersQuestion, parseQuery, type Query } from '../wire/dns-wire.js';
import { UpstreamError } from './upstream-error.js';
import { splitServer, UpstreamSockets } from './upstream-sockets.js';

/** Options for {@link UpstreamPool}. */
export interface UpstreamPoolOptions {
  /** Per-attempt timeout (UDP, and TCP after truncation). @defaultValue 2000 */
  timeoutMs?: number;
  /** Consecutive failures that open a server's breaker. @defaultValue 3 */
  failureThreshold?: number;
  /** How long an open breaker waits before letting one trial query through. @defaultValue 5000 */
  halfOpenAfterMs?: number;
  /** Long-lived UDP sockets kept per upstream server (see {@link UpstreamSockets}). @defaultValue 4 */
  socketsPerServer?: number;
  /** Queries a UDP socket sends before it is replaced. @defaultValue 5000 */
  maxQueriesPerSocket?: number;
  /** Age after which a UDP socket is replaced, milliseconds. @defaultValue 30000 */
  maxSocketAgeMs?: number;
}

/** State of one upstream's circuit breaker, as reported by {@link UpstreamPool.circuitState}. */
export type UpstreamCircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

const STATES: Record<CircuitState, UpstreamCircuitState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * Sends raw queries to upstream servers: UDP first, TCP when the answer is truncated; one
 * cockatiel circuit breaker per server, and failover to the next server of the route.
 *
 * UDP goes over a few long-lived sockets per server ({@link UpstreamSockets}), each query with a
 * fresh random ID. A reply is accepted only when it comes from the address and port queried (the
 * sockets are connected: the kernel drops datagrams from other peers, and reports ICMP
 * port-unreachable as an immediate failure), carries the ID in flight and repeats the question
 * (RFC 5452 §9.1); anything else is ignored as forged or stray, and the attempt keeps waiting
 * until its timeout.
 */
export class UpstreamPool {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly opts: UpstreamPoolOptions;
  /** Attempts sent per server (breaker-rejected attempts are not counted). */
  readonly counts = new Map<string, number>();
  /** Replies ignored because ID or question did not match (late replies included). */
  mismatched = 0;
  /** The long-lived UDP sockets. */
  readonly sockets: UpstreamSockets;

  constructor(opts: UpstreamPoolOptions = {}) {
    this.opts = opts;
    this.sockets = new UpstreamSockets({
      timeoutMs: opts.timeoutMs ?? 2000,
      ...(opts.socketsPerServer !== undefined ? { socketsPerServer: opts.socketsPerServer } : {}),
      ...(opts.maxQueriesPerSocket !== undefined
        ? { maxQueriesPerSocket: opts.maxQueriesPerSocket }
        : {}),
      ...(opts.maxSocketAgeMs !== undefined ? { maxSocketAgeMs: opts.maxSocketAgeMs } : {}),
      onMismatch: () => {
        this.mismatched++;
      },
    });
  }

  /** Fails the queries in flight and closes the UDP sockets (they reopen on demand). */
  close(): void {
    this.sockets.close();
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

  /** The breaker state of `server` (`closed` for a server never queried). */
  circuitState(server: string): UpstreamCircuitState {
    const b = this.breakers.get(server);
    return b ? STATES[b.state] : 'closed';
  }

  /**
   * Resolves with the first answer from `servers` (in order, skipping open breakers); `q` is
   * `query` parsed, when the caller has it. A UDP answer carries an ID of ours, not the query's.
   * @throws UpstreamError when every server failed or had its breaker open.
   * @throws WireError when `query` is not a well-formed single-question query.
   */
  async query(query: Buffer, servers: string[], q: Query = parseQuery(query)): Promise<Buffer> {
    let last: unknown;
    for (const s of servers) {
      try {
        return await this.breaker(s).execute(async () => {
          this.counts.set(s, (this.counts.get(s) ?? 0) + 1);
          const udp = await this.sockets.exchange(s, query, q.questionEnd);
          return (udp.readUInt16BE(2) & 0x0200) !== 0 ? await this.tcp(query, q, s) : udp;
        });
      } catch (err) {
        last = err instanceof BrokenCircuitError ? new UpstreamError(s, 'circuit open') : err;
      }
    }
    throw last instanceof Error ? last : new UpstreamError(servers.join(','), 'no upstream');
  }

  /** Whether `msg` is a reply to `q`: a response with the query's ID and question. */
  private matches(msg: Buffer, q: Query): boolean {
    const ok =
      msg.length >= 12 &&
      (msg.readUInt16BE(2) & 0x8000) !== 0 &&
      msg.readUInt16BE(0) === q.id &&
      answersQuestion(msg, q);
    if (!ok) this.mismatched++;
    return ok;
  }

  private tcp(query: Buffer, q: Query, server: string): Promise<Buffer> {
    const { host, port } = splitServer(server);
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
        // a connection carries only our query, but a reply to anything else is still refused
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + msg.length);
          if (this.matches(msg, q)) {
            clearTimeout(timer);
            s.destroy();
            resolve(Buffer.from(msg));
            return;
          }
        }
      });
      s.on('error', (err) => {
        clearTimeout(timer);
        reject(new UpstreamError(server, err.message));
      });
      s.on('close', () => {
        clearTimeout(timer);
        reject(new UpstreamError(server, 'tcp connection closed without an answer'));
      });
    });
  }
}
