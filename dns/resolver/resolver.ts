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
import {
  newQuestionScan,
  scanPlainQuery,
  scanQuestion,
  type QuestionScan,
} from '../wire/question-key.js';
import { prepareAnswer, replayAnswer, type StoredAnswer } from '../wire/stored-answer.js';
import { WireError } from '../wire/wire-error.js';
import {
  AnswerCache,
  cacheKey,
  ednsMode,
  type AnswerCacheOptions,
  type CacheKey,
} from './answer-cache.js';
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
  /** The scan of the query being looked up (one object: a hit allocates nothing for it). */
  private readonly scan: QuestionScan = newQuestionScan();
  private active = 0;
  /** Bumped on every federated data change: an answer built across a change is not cached. */
  private federatedGeneration = 0;
  /** UDP queries this resolver (worker) received. */
  udpQueries = 0;
  address = { host: '', port: 0 };

  constructor(opts: ResolverOptions) {
    this.opts = opts;
    const federated = opts.federated;
    this.cache = new AnswerCache({
      ...opts.cache,
      ...(federated ? { scopeOf: (ip: string) => federated.clientScope(ip) } : {}),
    });
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
   * A cache hit on a plain query (see `scanPlainQuery`) is answered from bytes alone: the
   * question is hashed and compared in place, no name string is built and nothing is parsed.
   * Malformed queries, cache hits and refusals are answered synchronously (the UDP hot path costs
   * no promise); federated names and forwarded queries return a promise.
   */
  handle(query: Buffer, clientIp: string): Buffer | undefined | Promise<Buffer | undefined> {
    const s = this.scan;
    const plain = scanPlainQuery(query, s, 'any');
    if (plain) {
      const hit = this.cache.get(query, s, ednsMode(s), clientIp);
      if (hit) {
        this.metrics.request(s.type);
        this.metrics.cacheHits++;
        return replayAnswer(hit, query, s.questionEnd, hit.ageSeconds, ++hit.turn);
      }
    }
    return this.slowAnswer(query, clientIp, plain);
  }

  /**
   * {@link Resolver.handle} past the byte-level lookup: parses and screens, looks up what the scan
   * could not (a query with other records, say), then answers federated names or forwards.
   */
  private slowAnswer(
    query: Buffer,
    clientIp: string,
    lookedUp: boolean,
  ): Buffer | undefined | Promise<Buffer | undefined> {
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
      const s = this.scan;
      if (!lookedUp && scanQuestion(query, s, 'any')) {
        const hit = this.cache.get(query, s, ednsMode(q), clientIp);
        if (hit) {
          this.metrics.cacheHits++;
          return replayAnswer(hit, query, q.questionEnd, hit.ageSeconds, ++hit.turn);
        }
      }
      this.metrics.cacheMisses++;
      const federated = this.opts.federated;
      const fed = federated?.match(q.name);
      const scoped = fed && federated?.isScoped(fed) ? federated.clientScope(clientIp) : undefined;
      // undefined for a compressed question name: answered, never cached nor shared
      const key = cacheKey(query, q, scoped);
      if (fed) return this.federatedAnswer(query, q, fed, clientIp, key);
      const route = this.opts.routes.match(q.name);
      const servers = route?.servers ?? this.opts.upstreams ?? [];
      if (servers.length === 0) {
        return errorResponse(query, RCODE.REFUSED, q, { code: EDE.NOT_AUTHORITATIVE });
      }
      const flight = key ? inflightKey(key) : undefined;
      let pending = flight === undefined ? undefined : this.inflight.get(flight);
      if (!pending) {
        if (this.active >= (this.opts.maxInflight ?? 1024)) {
          return errorResponse(query, RCODE.SERVFAIL, q);
        }
        this.active++;
        pending = this.forward(query, q, servers, key).finally(() => {
          this.active--;
          if (flight !== undefined) this.inflight.delete(flight);
        });
        if (flight !== undefined) this.inflight.set(flight, pending);
      }
      // identical queries share one upstream reply: each gets its own ID and letter case back
      return pending.then(
        (stored) => replayAnswer(stored, query, q.questionEnd, 0, 0),
        () => errorResponse(query, RCODE.SERVFAIL, q),
      );
    } catch {
      return errorResponse(query, RCODE.SERVFAIL, q);
    }
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
    key: CacheKey | undefined,
  ): Promise<Buffer> {
    try {
      const generation = this.federatedGeneration;
      const resp = await this.opts.federated?.answer(query, fed, clientIp);
      if (!resp) return errorResponse(query, RCODE.SERVFAIL, q);
      const { answer, info } = prepareAnswer(resp, q);
      // data changed while this answer was built: it may be stale, so serve it but do not keep it
      if (key && generation === this.federatedGeneration) {
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
    key: CacheKey | undefined,
  ): Promise<StoredAnswer> {
    const start = performance.now();
    const resp = await this.upstreams.query(query, servers, q).finally(() => {
      this.metrics.upstreamDone((performance.now() - start) / 1000);
    });
    const { answer, info } = prepareAnswer(resp, q);
    if (key) this.cache.store(key, answer, this.cacheTtl(info));
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
    this.upstreams.close();
  }
}

/** The in-flight key of a cache key: identical questions (case aside) share one upstream query. */
function inflightKey(k: CacheKey): string {
  return `${k.name.toString('latin1')}|${String(k.type)}|${String(k.cls)}|${String(k.edns)}|${k.scope}`;
}
