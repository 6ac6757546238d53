import { DnsTransport } from '../wire/dns-transport.js';
import {
  errorResponse,
  parseQuery,
  RCODE,
  reuseAnswer,
  scanResponse,
  type Query,
} from '../wire/dns-wire.js';
import { WireError } from '../wire/wire-error.js';
import { AnswerCache, type AnswerCacheOptions } from './answer-cache.js';
import type { FederatedNames } from './federated-names.js';
import type { RouteTable } from './route-table.js';
import { UpstreamPool, type UpstreamPoolOptions } from './upstream-pool.js';

/** Options for {@link Resolver}. */
export interface ResolverOptions {
  host?: string;
  port?: number;
  routes: RouteTable;
  /** Servers for names no route matches (`host:port`); empty = REFUSED. */
  upstreams?: string[];
  cache?: AnswerCacheOptions;
  upstream?: UpstreamPoolOptions;
  /** Queries being forwarded at once; more get SERVFAIL. @defaultValue 1024 */
  maxInflight?: number;
  federated?: FederatedNames;
  /** Simultaneous TCP client connections; more are closed at once. @defaultValue 256 */
  maxTcpConnections?: number;
  /** Share the port with other resolver workers (SO_REUSEPORT); needs `port`. @defaultValue false */
  reusePort?: boolean;
}

/**
 * The central dnsmasq-style resolver: UDP (EDNS0 sizes, truncation) and TCP; federated names;
 * answers from cache by patching ID and TTLs into stored bytes; otherwise forwards by longest
 * zone suffix to the member cluster's DNS (or default upstreams), de-duplicating identical queries
 * in flight, and caches positive answers by TTL and negative ones by SOA minimum (capped).
 */
export class Resolver {
  readonly cache: AnswerCache;
  readonly upstreams: UpstreamPool;
  private readonly opts: ResolverOptions;
  private transport: DnsTransport | undefined;
  private inflight = new Map<string, Promise<Buffer>>();
  private active = 0;
  /** UDP queries this resolver (worker) received. */
  udpQueries = 0;
  address = { host: '', port: 0 };

  constructor(opts: ResolverOptions) {
    this.opts = opts;
    this.cache = new AnswerCache(opts.cache ?? {});
    this.upstreams = new UpstreamPool(opts.upstream ?? {});
  }

  /**
   * Answers one raw query; undefined means drop (not even a header). Never throws nor rejects.
   * Malformed queries, cache hits and refusals are answered synchronously (the UDP hot path costs
   * no promise); federated names and forwarded queries return a promise.
   */
  handle(query: Buffer, clientIp: string): Buffer | undefined | Promise<Buffer | undefined> {
    let q: Query;
    try {
      q = parseQuery(query);
    } catch (err) {
      if (query.length < 12 || (query.readUInt16BE(2) & 0x8000) !== 0) return undefined;
      return errorResponse(query, err instanceof WireError ? RCODE.FORMERR : RCODE.SERVFAIL);
    }
    try {
      const fed = this.opts.federated?.match(q.name);
      if (fed) {
        return this.opts.federated
          ?.answer(query, fed, clientIp)
          .catch(() => errorResponse(query, RCODE.SERVFAIL, q));
      }
      const key = Resolver.cacheKey(q);
      const hit = this.cache.get(key);
      if (hit) return reuseAnswer(hit.entry.bytes, q.id, hit.entry.ttlOffsets, hit.ageSeconds);
      const route = this.opts.routes.match(q.name);
      const servers = route?.servers ?? this.opts.upstreams ?? [];
      if (servers.length === 0) return errorResponse(query, RCODE.REFUSED, q);
      let pending = this.inflight.get(key);
      if (!pending) {
        if (this.active >= (this.opts.maxInflight ?? 1024)) {
          return errorResponse(query, RCODE.SERVFAIL, q);
        }
        this.active++;
        pending = this.forward(query, servers, key).finally(() => {
          this.active--;
          this.inflight.delete(key);
        });
        this.inflight.set(key, pending);
      }
      return pending.then(
        (resp) => (resp.readUInt16BE(0) === q.id ? resp : reuseAnswer(resp, q.id, [], 0)),
        () => errorResponse(query, RCODE.SERVFAIL, q),
      );
    } catch {
      return errorResponse(query, RCODE.SERVFAIL, q);
    }
  }

  /**
   * The cache (and in-flight) key of a query: name, type, class, and whether the client spoke
   * EDNS and set DO. The stored bytes are the upstream's reply to *that* client's query, so an
   * answer carrying an OPT record (or DNSSEC records) must not be replayed to a client that sent
   * none (RFC 6891 §7: an OPT only goes to a requester that sent one).
   */
  static cacheKey(q: Query): string {
    const edns = q.edns ? (q.dnssecOk ? 'do' : 'edns') : '-';
    return `${q.name}|${String(q.type)}|${String(q.cls)}|${edns}`;
  }

  private async forward(query: Buffer, servers: string[], key: string): Promise<Buffer> {
    const resp = await this.upstreams.query(query, servers);
    const info = scanResponse(resp);
    if (info.truncated) return resp;
    let ttl = 0;
    if (info.rcode === RCODE.NOERROR && info.answers > 0) {
      ttl = Math.min(info.minAnswerTtl ?? 0, this.cache.maxTtl);
    } else if (
      info.rcode === RCODE.NXDOMAIN ||
      (info.rcode === RCODE.NOERROR && info.answers === 0)
    ) {
      ttl = Math.min(info.negativeTtl ?? 0, this.cache.negativeCap);
    }
    this.cache.set(key, resp, info.ttlOffsets, ttl);
    return resp;
  }

  /** Listens on UDP and TCP (same port). */
  async start(): Promise<{ host: string; port: number }> {
    this.transport = new DnsTransport(
      {
        host: this.opts.host ?? '127.0.0.1',
        port: this.opts.port ?? 0,
        ...(this.opts.maxTcpConnections !== undefined
          ? { maxTcpConnections: this.opts.maxTcpConnections }
          : {}),
        reusePort: this.opts.reusePort ?? false,
        onUdpQuery: () => {
          this.udpQueries++;
        },
      },
      (query, clientIp) => this.handle(query, clientIp),
    );
    this.address = await this.transport.start();
    return this.address;
  }

  async stop(): Promise<void> {
    await this.transport?.stop();
    this.transport = undefined;
  }
}
