import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { createServer, isIPv4, type Server, type Socket } from 'node:net';
import { freePort } from '../../machinery/util/free-port.js';
import { parseQuery, truncate } from './dns-wire.js';
import { EDNS_UDP_SIZE } from './edns.js';

/**
 * Answers one raw DNS message; `undefined` drops it. An answer known at once (a cache hit, an
 * error) is returned synchronously, so it costs no promise; only answers that wait on I/O return
 * one. Must never throw, nor reject.
 */
export type DnsHandler = (
  query: Buffer,
  clientIp: string,
) => Buffer | undefined | Promise<Buffer | undefined>;

/** Options for {@link DnsTransport}. */
export interface DnsTransportOptions {
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** 0 or absent = any free port; UDP and TCP share the number. */
  port?: number;
  /** Idle TCP connections are closed after this long (RFC 7766 §6.2.3). @defaultValue 10000 */
  tcpIdleMs?: number;
  /**
   * Simultaneous TCP connections; a connection beyond this is closed as soon as it is accepted
   * (RFC 7766 §6.2.2: servers may limit connections). @defaultValue 256
   */
  maxTcpConnections?: number;
  /**
   * Simultaneous TCP connections from one client address, so that one client holding idle
   * connections cannot use up {@link DnsTransportOptions.maxTcpConnections} and lock every other
   * client out (RFC 7766 §6.2.2). @defaultValue 16
   */
  maxTcpConnectionsPerClient?: number;
  /** Kernel receive buffer for the UDP socket, so bursts queue instead of dropping. @defaultValue 4 MiB */
  udpRecvBufferBytes?: number;
  /**
   * Bind UDP and TCP with SO_REUSEPORT, so several processes (resolver workers) receive on one
   * port and the kernel spreads clients over them. Needs an explicit `port`. @defaultValue false
   */
  reusePort?: boolean;
  /** Counts every UDP query received (per transport: with reusePort, per worker). */
  onUdpQuery?: () => void;
}

/**
 * UDP + TCP listeners shared by the cluster DNS server and the central resolver. It frames TCP
 * messages (RFC 1035 §4.2.2, pipelined per RFC 7766) and fits UDP answers into the client's
 * payload size (512, or EDNS0's), setting TC and keeping only the question when an answer does
 * not fit (RFC 2181 §9). Everything a client sends reaches `handle` as raw bytes: the handlers
 * validate with the bounded parser in `dns-wire.ts` before anything else looks at a packet, so
 * hostile input costs at most one linear pass.
 */
export class DnsTransport {
  private readonly opts: DnsTransportOptions;
  private readonly handle: DnsHandler;
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly conns = new Set<Socket>();
  /** Open TCP connections per client address. */
  private readonly perClient = new Map<string, number>();
  /** TCP connections closed because a connection limit (global or per client) was reached. */
  rejectedTcp = 0;
  address = { host: '', port: 0 };

  constructor(opts: DnsTransportOptions, handle: DnsHandler) {
    this.opts = opts;
    this.handle = handle;
  }

  /** Binds UDP and TCP on the same port. */
  async start(): Promise<{ host: string; port: number }> {
    const host = this.opts.host ?? '127.0.0.1';
    const reusePort = this.opts.reusePort ?? false;
    if (reusePort && !this.opts.port) throw new Error('reusePort needs an explicit port');
    const port = this.opts.port || (await freePort(host));
    const udp = createSocket({
      type: 'udp4',
      recvBufferSize: this.opts.udpRecvBufferBytes ?? 4 * 1024 * 1024,
      lookup: literalFirstLookup,
      reusePort,
    });
    const counted = this.opts.onUdpQuery;
    udp.on('message', (msg, rinfo) => {
      counted?.();
      const answer = this.handle(msg, rinfo.address);
      if (answer === undefined) return;
      // a synchronous answer (a cache hit) goes out at once, without a closure
      if (!(answer instanceof Promise)) {
        udp.send(fitUdp(msg, answer), rinfo.port, rinfo.address);
        return;
      }
      void answer.then((resp) => {
        if (resp) udp.send(fitUdp(msg, resp), rinfo.port, rinfo.address);
      });
    });
    // a send to a client that went away must not take the server down
    udp.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      // exclusive: under node:cluster a worker binds its own SO_REUSEPORT socket instead of
      // receiving the primary's shared handle
      udp.bind({ port, address: host, exclusive: reusePort }, () => {
        resolve();
      });
    });
    this.udp = udp;
    const tcp = createServer((sock) => {
      this.serveTcp(sock);
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ port, host, reusePort, exclusive: reusePort }, () => {
        resolve();
      });
    });
    this.tcp = tcp;
    this.address = { host, port };
    return this.address;
  }

  /** TCP connections open right now. */
  get tcpConnections(): number {
    return this.conns.size;
  }

  private serveTcp(sock: Socket): void {
    const client = sock.remoteAddress ?? '';
    const fromClient = this.perClient.get(client) ?? 0;
    if (
      this.conns.size >= (this.opts.maxTcpConnections ?? 256) ||
      fromClient >= (this.opts.maxTcpConnectionsPerClient ?? 16)
    ) {
      this.rejectedTcp++;
      sock.on('error', () => undefined);
      sock.destroy();
      return;
    }
    this.conns.add(sock);
    this.perClient.set(client, fromClient + 1);
    sock.on('close', () => {
      this.conns.delete(sock);
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
    });
    let buf: Buffer = Buffer.alloc(0);
    sock.setTimeout(this.opts.tcpIdleMs ?? 10_000, () => sock.destroy());
    sock.on('error', () => undefined);
    sock.on('data', (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = Buffer.from(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        void Promise.resolve(this.handle(msg, sock.remoteAddress ?? '')).then((resp) => {
          if (!resp || sock.destroyed) return;
          const hdr = Buffer.alloc(2);
          hdr.writeUInt16BE(resp.length);
          sock.write(Buffer.concat([hdr, resp]));
        });
      }
    });
  }

  async stop(): Promise<void> {
    this.udp?.close();
    this.udp = undefined;
    const tcp = this.tcp;
    this.tcp = undefined;
    // close() only stops accepting; open (possibly idle) client connections would hold it
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    this.perClient.clear();
    await new Promise<void>((resolve) => {
      if (!tcp) resolve();
      else tcp.close(() => resolve());
    });
  }
}

/**
 * The answer as it may go over UDP: whole when it fits the client's payload size (capped at
 * {@link EDNS_UDP_SIZE}, which avoids IP fragmentation), else truncated.
 */
function fitUdp(query: Buffer, resp: Buffer): Buffer {
  if (resp.length <= 512) return resp;
  try {
    const q = parseQuery(query);
    return resp.length > Math.min(q.udpSize, EDNS_UDP_SIZE) ? truncate(resp, q) : resp;
  } catch {
    return resp.subarray(0, 12);
  }
}

/**
 * The UDP socket's resolver: dgram looks up the destination of every `send`, and Node's default
 * (`dns.lookup`) answers even an IP literal on the next tick. Replies always go to a literal (the
 * sender's address), so answering those synchronously saves a tick and an async-hooks scope per
 * datagram; names still go through `dns.lookup`.
 */
function literalFirstLookup(
  host: string,
  opts: LookupOneOptions,
  cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  // most replies go to the client that sent the previous datagram: skip re-validating it
  if (host === lastLiteral || isIPv4(host)) {
    lastLiteral = host;
    cb(null, host, 4);
  } else dnsLookup(host, opts, cb);
}
/** The IPv4 literal {@link literalFirstLookup} saw last. */
let lastLiteral = '';
