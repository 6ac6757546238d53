import { randomFillSync } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { sameQuestion } from '../wire/question-key.js';
import { UpstreamError } from './upstream-error.js';

/** Options for {@link UpstreamSockets}. */
export interface UpstreamSocketsOptions {
  /** How long a query waits for its reply. */
  timeoutMs: number;
  /** Sockets kept open per upstream server; each query takes one at random. @defaultValue 4 */
  socketsPerServer?: number;
  /** Queries a socket sends before it is replaced by a fresh one. @defaultValue 5000 */
  maxQueriesPerSocket?: number;
  /** Age after which a socket is replaced by a fresh one. @defaultValue 30000 */
  maxSocketAgeMs?: number;
  /** Called for every reply refused: unknown ID (late ones included), or another question. */
  onMismatch?: () => void;
}

/** A query waiting for its reply on one socket. */
interface Pending {
  /** What was sent (with our ID): the reply must repeat its question. */
  sent: Buffer;
  questionEnd: number;
  deadline: number;
  resolve: (msg: Buffer) => void;
  reject: (err: Error) => void;
}

/** One long-lived UDP socket connected to one upstream server. */
interface PooledSocket {
  server: string;
  sock: Socket;
  /** Queries in flight by the ID we gave them; insertion order is deadline order. */
  pending: Map<number, Pending>;
  /** Resolves once connected (rejects when the socket failed or closed first). */
  connecting: Promise<void>;
  /** Rejects {@link PooledSocket.connecting}. */
  abort: (err: Error) => void;
  connected: boolean;
  sent: number;
  born: number;
  /** No new queries: closes once its last query is answered or timed out. */
  retiring: boolean;
  closed: boolean;
}

/** The host and port of `host:port` (port 53 when absent). */
export function splitServer(server: string): { host: string; port: number } {
  const i = server.lastIndexOf(':');
  return i < 0
    ? { host: server, port: 53 }
    : { host: server.slice(0, i), port: Number(server.slice(i + 1)) };
}

/** Random 16-bit values drawn from the CSPRNG a batch at a time. */
class RandomIds {
  private readonly buf = new Uint16Array(1024);
  private at = this.buf.length;

  next(): number {
    if (this.at === this.buf.length) {
      randomFillSync(this.buf);
      this.at = 0;
    }
    return this.buf[this.at++] ?? 0;
  }
}

/**
 * The UDP half of the upstream pool: a few long-lived sockets per upstream server instead of a
 * socket per query (creating, binding, connecting and closing one cost about a fifth of the CPU
 * of a forwarded query). Each socket is connected to its server, so the kernel drops datagrams
 * from any other address and reports ICMP port-unreachable as an error (failing that socket's
 * queries at once); it is bound by the kernel to the source address of the route (127.0.0.1 for
 * loopback upstreams) and a random ephemeral port. Each query gets a fresh random ID from the
 * CSPRNG (unique among the socket's queries in flight), and a reply is accepted only when it
 * carries an ID in flight on that socket and repeats that query's question (RFC 5452 §9.1);
 * anything else is counted and ignored, and the query keeps waiting until its timeout.
 *
 * Trade-off (RFC 5452 §9.2): a socket per query randomises the source port of every query,
 * about 16 more bits a forger must guess. Here a port serves up to `maxQueriesPerSocket` queries
 * or `maxSocketAgeMs`, so a forger who learnt a port can aim at it for that long and must guess
 * only the ID and the question; sockets are taken at random and replaced over time to bound that
 * window. The upstreams are member cluster DNS servers on the federation's own network, where
 * forging is the lesser risk than the CPU a socket per query costs under load.
 */
export class UpstreamSockets {
  private readonly opts: UpstreamSocketsOptions;
  private readonly slots = new Map<string, (PooledSocket | undefined)[]>();
  /** Every open socket (retiring ones included). */
  private readonly open = new Set<PooledSocket>();
  private readonly ids = new RandomIds();
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Sockets opened so far. */
  opened = 0;

  constructor(opts: UpstreamSocketsOptions) {
    this.opts = opts;
  }

  /** Sockets open right now (retiring ones included). */
  get size(): number {
    return this.open.size;
  }

  /** Queries waiting for a reply. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * Sends `query` (its question ends at `questionEnd`) to `server` with a fresh ID and resolves
   * with the reply. The reply carries our ID, not the query's.
   * @throws UpstreamError on timeout, or when the server is unreachable (ICMP) or the socket fails.
   */
  exchange(server: string, query: Buffer, questionEnd: number): Promise<Buffer> {
    const s = this.socketFor(server);
    if (s.connected) return this.send(s, query, questionEnd);
    return s.connecting.then(() => this.send(s, query, questionEnd));
  }

  /** Fails every query in flight and closes every socket. The sockets reopen on demand. */
  close(): void {
    for (const s of [...this.open]) this.fail(s, new UpstreamError(s.server, 'resolver stopped'));
    this.slots.clear();
  }

  private send(s: PooledSocket, query: Buffer, questionEnd: number): Promise<Buffer> {
    if (s.closed) return this.exchange(s.server, query, questionEnd);
    let id = this.ids.next();
    while (s.pending.has(id)) id = this.ids.next();
    const sent = Buffer.allocUnsafe(query.length);
    sent.set(query, 0);
    sent[0] = id >> 8;
    sent[1] = id & 0xff;
    return new Promise((resolve, reject) => {
      const deadline = performance.now() + this.opts.timeoutMs;
      s.pending.set(id, { sent, questionEnd, deadline, resolve, reject });
      this.inFlight++;
      this.arm();
      s.sent++;
      s.sock.send(sent);
      if (
        s.sent >= (this.opts.maxQueriesPerSocket ?? 5000) ||
        performance.now() - s.born >= (this.opts.maxSocketAgeMs ?? 30_000)
      ) {
        this.retire(s);
      }
    });
  }

  /** A socket for `server`, taken at random among its slots; opened if the slot is empty. */
  private socketFor(server: string): PooledSocket {
    let slots = this.slots.get(server);
    if (!slots) {
      slots = new Array<PooledSocket | undefined>(this.opts.socketsPerServer ?? 4).fill(undefined);
      this.slots.set(server, slots);
    }
    const i = this.ids.next() % slots.length;
    let s = slots[i];
    if (!s || s.retiring) {
      s = this.openSocket(server);
      slots[i] = s;
    }
    return s;
  }

  private openSocket(server: string): PooledSocket {
    const { host, port } = splitServer(server);
    const sock = createSocket('udp4');
    // idle sockets must not keep the process alive; queries in flight keep the timer armed
    sock.unref();
    let connected: () => void = () => undefined;
    let failed: (err: Error) => void = () => undefined;
    const s: PooledSocket = {
      server,
      sock,
      pending: new Map(),
      connecting: new Promise<void>((resolve, reject) => {
        connected = resolve;
        failed = reject;
      }),
      abort: (err) => {
        failed(err);
      },
      connected: false,
      sent: 0,
      born: performance.now(),
      retiring: false,
      closed: false,
    };
    // a failure before anyone waits on it is reported to the waiting queries, not as unhandled
    s.connecting.catch(() => undefined);
    sock.on('message', (msg: Buffer) => {
      this.onReply(s, msg);
    });
    sock.on('error', (err) => {
      this.fail(s, new UpstreamError(server, err.message));
    });
    sock.connect(port, host, () => {
      s.connected = true;
      connected();
    });
    this.open.add(s);
    this.opened++;
    return s;
  }

  private onReply(s: PooledSocket, msg: Buffer): void {
    // a response (QR) with one question, an ID in flight here, and that query's question
    const p =
      msg.length >= 12 && ((msg[2] ?? 0) & 0x80) !== 0 && msg[4] === 0 && msg[5] === 1
        ? s.pending.get(msg.readUInt16BE(0))
        : undefined;
    if (!p || !sameQuestion(msg, p.sent, p.questionEnd)) {
      this.opts.onMismatch?.();
      return;
    }
    s.pending.delete(msg.readUInt16BE(0));
    this.inFlight--;
    p.resolve(msg);
    if (s.retiring && s.pending.size === 0) this.closeSocket(s);
  }

  /** No new queries for `s`; it closes once its queries are done. */
  private retire(s: PooledSocket): void {
    if (s.retiring) return;
    s.retiring = true;
    const slots = this.slots.get(s.server);
    const i = slots?.indexOf(s) ?? -1;
    if (slots && i >= 0) slots[i] = undefined;
    if (s.pending.size === 0) this.closeSocket(s);
  }

  /** Fails every query of `s` with `err` and closes it (an ICMP error, a closing resolver). */
  private fail(s: PooledSocket, err: Error): void {
    this.retire(s);
    s.abort(err);
    for (const p of s.pending.values()) p.reject(err);
    this.inFlight -= s.pending.size;
    s.pending.clear();
    this.closeSocket(s);
  }

  private closeSocket(s: PooledSocket): void {
    if (s.closed) return;
    s.closed = true;
    this.open.delete(s);
    s.sock.close();
  }

  /** Runs the timeout sweep while queries are in flight. */
  private arm(): void {
    if (this.timer) return;
    const tick = Math.min(Math.max(this.opts.timeoutMs / 10, 5), 100);
    this.timer = setInterval(() => {
      this.sweep();
    }, tick);
  }

  /** Fails the queries past their deadline; stops the sweep when none is left in flight. */
  private sweep(): void {
    const now = performance.now();
    for (const s of [...this.open]) {
      for (const [id, p] of s.pending) {
        if (p.deadline > now) break;
        s.pending.delete(id);
        this.inFlight--;
        p.reject(new UpstreamError(s.server, 'timeout'));
      }
      if (s.retiring && s.pending.size === 0) this.closeSocket(s);
    }
    if (this.inFlight === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
