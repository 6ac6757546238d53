import { performance } from 'node:perf_hooks';
import { DnsTransport } from '../wire/dns-transport.js';
import {
  errorResponse,
  parseQuery,
  RCODE,
  type Query,
  type ResponseInfo,
} from '../wire/dns-wire.js';
import { EDE } from '../wire/edns.js';
import { screenQuery } from '../wire/screen-query.js';
import { prepareAnswer, replayAnswer, type StoredAnswer } from '../wire/stored-answer.js';
import { WireError } from '../wire/wire-error.js';
import { AnswerCache, type AnswerCacheOptions } from './answer-cache.js';
import type { FederatedMatch, FederatedNames } from './federated-names.js';
import { ResolverMetrics } from './resolver-metrics.js';
import type { RouteTable } from './route-table.js';
import { UpstreamPool, type UpstreamPoolOptions } from './upstream-pool.js';

/** Options for {@link Resolver}. */
export interface ResolverOptions {
  host?: string;
  port?: number;
  routes: RouteTable;
  /**
   * Servers for names no route matches (`host:port`); empty = REFUSED, with the Extended DNS
   * Error "Not Authoritative" (RFC 8914) for EDNS clients.
   */
  upstreams?: string[];
  cache?: AnswerCacheOptions;
  upstream?: UpstreamPoolOptions;
  /** Queries being forwarded at once; more get SERVFAIL. @defaultValue 1024 */
  maxInflight?: number;
  federated?: FederatedNames;
  /** Simultaneous TCP client connections; more are closed at once. @defaultValue 256 */
  maxTcpConnections?: number;
  /** Simultaneous TCP connections from one client address. @defaultValue 16 */
  maxTcpConnectionsPerClient?: number;
  /** Share the port with other resolver workers (SO_REUSEPORT); needs `port`. @defaultValue false */
  reusePort?: boolean;
  /** Where the counters go (one per worker process). @defaultValue a private one */
  metrics?: ResolverMetrics;
}

/**
 * The central dnsmasq-style resolver: UDP (EDNS0 sizes, truncation) and TCP; federated names;
 * answers from cache by patching ID, question case and TTLs into stored bytes (rotating A records
 * round robin); otherwise forwards by longest zone suffix to the member cluster's DNS (or default
 * upstreams), de-duplicating identical queries in flight, and caches positive answers by TTL and
 * negative ones by SOA minimum (capped). Federated answers are cached the same way, keyed also by
 * the asking client's cluster where locality changes them.
 */
export class Resolver {
  readonly cache: AnswerCache;
  readonly upstreams: UpstreamPool;
  /** Request, cache, response and upstream counters (served by `--metrics-port`). */
  readonly metrics: ResolverMetrics;
  private readonly opts: ResolverOptions;
  private transport: DnsTransport | undefined;
  private inflight = new Map<string, Promise<StoredAnswer>>();
  private active = 0;
  /** Bumped on every federated data change: an answer built across a change is not cached. */
  private federatedGeneration = 0;
  /** UDP queries this resolver (worker) received. */
  udpQueries = 0;
  address = { host: '', port: 0 };

  constructor(opts: ResolverOptions) {
    this.opts = opts;
    this.cache = new AnswerCache(opts.cache ?? {});
    this.upstreams = new UpstreamPool(opts.upstream ?? {});
    this.metrics = opts.metrics ?? new ResolverMetrics();
    // a changed ServiceImport, EndpointSlice, Cluster or member endpoints reach answers at once,
    // not after the cached TTL
    opts.federated?.onChange((name) => {
      this.federatedGeneration++;
      this.cache.dropUnder(name);
    });
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
    this.metrics.request(q.type);
    const refused = screenQuery(query, q);
    if (refused) return refused;
    try {
      const fed = this.opts.federated?.match(q.name);
      let key = Resolver.cacheKey(q);
      if (fed) key += `|${this.opts.federated?.cacheScope(fed, clientIp) ?? ''}`;
      const hit = this.cache.get(key);
      if (hit) {
        this.metrics.cacheHits++;
        return replayAnswer(hit.entry, query, q, hit.ageSeconds, ++hit.entry.turn);
      }
      this.metrics.cacheMisses++;
      if (fed) return this.federatedAnswer(query, q, fed, clientIp, key);
      const route = this.opts.routes.match(q.name);
      const servers = route?.servers ?? this.opts.upstreams ?? [];
      if (servers.length === 0) {
        return errorResponse(query, RCODE.REFUSED, q, { code: EDE.NOT_AUTHORITATIVE });
      }
      let pending = this.inflight.get(key);
      if (!pending) {
        if (this.active >= (this.opts.maxInflight ?? 1024)) {
          return errorResponse(query, RCODE.SERVFAIL, q);
        }
        this.active++;
        pending = this.forward(query, q, servers, key).finally(() => {
          this.active--;
          this.inflight.delete(key);
        });
        this.inflight.set(key, pending);
      }
      // identical queries share one upstream reply: each gets its own ID and letter case back
      return pending.then(
        (stored) => replayAnswer(stored, query, q, 0, 0),
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

  /**
   * Builds, caches (for its TTL, or its SOA minimum when negative) and returns a federated answer;
   * SERVFAIL (not cached) when it cannot be built, e.g. before the clusterset catalog synced.
   */
  private async federatedAnswer(
    query: Buffer,
    q: Query,
    fed: FederatedMatch,
    clientIp: string,
    key: string,
  ): Promise<Buffer> {
    try {
      const generation = this.federatedGeneration;
      const resp = await this.opts.federated?.answer(query, fed, clientIp);
      if (!resp) return errorResponse(query, RCODE.SERVFAIL, q);
      const { answer, info } = prepareAnswer(resp, q);
      // data changed while this answer was built: it may be stale, so serve it but do not keep it
      if (generation === this.federatedGeneration) {
        this.cache.store(key, answer, this.cacheTtl(info));
      }
      return answer.bytes;
    } catch {
      return errorResponse(query, RCODE.SERVFAIL, q);
    }
  }

  /** How long a reply may be cached: its smallest answer TTL, or its negative TTL (both capped). */
  private cacheTtl(info: ResponseInfo): number {
    if (info.truncated) return 0;
    if (info.rcode === RCODE.NOERROR && info.answers > 0) {
      return Math.min(info.minAnswerTtl ?? 0, this.cache.maxTtl);
    }
    if (info.rcode === RCODE.NXDOMAIN || (info.rcode === RCODE.NOERROR && info.answers === 0)) {
      return Math.min(info.negativeTtl ?? 0, this.cache.negativeCap);
    }
    return 0;
  }

  private async forward(
    query: Buffer,
    q: Query,
    servers: string[],
    key: string,
  ): Promise<StoredAnswer> {
    const start = performance.now();
    const resp = await this.upstreams.query(query, servers).finally(() => {
      this.metrics.upstreamDone((performance.now() - start) / 1000);
    });
    const { answer, info } = prepareAnswer(resp, q);
    this.cache.store(key, answer, this.cacheTtl(info));
    return answer;
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
        ...(this.opts.maxTcpConnectionsPerClient !== undefined
          ? { maxTcpConnectionsPerClient: this.opts.maxTcpConnectionsPerClient }
          : {}),
        reusePort: this.opts.reusePort ?? false,
        onUdpQuery: () => {
          this.udpQueries++;
        },
      },
      (query, clientIp) => this.respond(query, clientIp),
    );
    this.address = await this.transport.start();
    this.metrics.server = `dns://${this.address.host}:${String(this.address.port)}`;
    return this.address;
  }

  /** {@link Resolver.handle}, counting each response's rcode (synchronously for cache hits). */
  private respond(
    query: Buffer,
    clientIp: string,
  ): Buffer | undefined | Promise<Buffer | undefined> {
    const r = this.handle(query, clientIp);
    if (r instanceof Promise) {
      return r.then((resp) => {
        this.metrics.response(resp);
        return resp;
      });
    }
    this.metrics.response(r);
    return r;
  }

  async stop(): Promise<void> {
    await this.transport?.stop();
    this.transport = undefined;
  }
}
