import { isIPv4 } from 'node:net';
import dns2 from 'dns2';
import { DnsQueryMetrics } from '../metrics/dns-query-metrics.js';
import { DnsTransport } from '../wire/dns-transport.js';
import { errorResponse, parseQuery, RCODE, type Query } from '../wire/dns-wire.js';
import { appendOpt, EDE, optRecord } from '../wire/edns.js';
import { screenQuery } from '../wire/screen-query.js';
import { AnswerTable } from './answer-table.js';
import { ClusterRecords } from './cluster-records.js';
import type { ServiceCatalog } from './service-catalog.js';

const { Packet } = dns2;

/** Options for {@link ClusterDnsServer}. */
export interface ClusterDnsServerOptions {
  zone: string;
  catalog: ServiceCatalog;
  host?: string;
  /** 0 = any free port (UDP and TCP share it). */
  port?: number;
  /** Share the port with other cluster DNS workers (SO_REUSEPORT); needs `port`. @defaultValue false */
  reusePort?: boolean;
  ttl?: number;
  /** Simultaneous TCP client connections; more are closed at once. @defaultValue 256 */
  maxTcpConnections?: number;
  /** Simultaneous TCP connections from one client address. @defaultValue 16 */
  maxTcpConnectionsPerClient?: number;
  /** Query and response counters; unregistered ones by default. */
  metrics?: DnsQueryMetrics;
  /** Replies kept for the fast path (see {@link AnswerTable}). @defaultValue 50000 */
  maxStoredAnswers?: number;
}

/**
 * A member cluster's DNS server on dns2 (UDP and TCP): authoritative for its zone and for PTR names
 * in `in-addr.arpa`, answering the Kubernetes DNS specification from the Service catalog,
 * NXDOMAIN/NODATA with the zone SOA (negative caching, RFC 2308), REFUSED outside the zone.
 * Replies echo an OPT record to EDNS queries (RFC 6891). dns2 builds each answer once (the slow
 * path); an {@link AnswerTable} keeps it by question name and type until the catalog changes,
 * and replays it, patched per query, to every plain query for that name. The shared
 * {@link DnsTransport} frames TCP and truncates over-size UDP answers.
 */
export class ClusterDnsServer {
  readonly records: ClusterRecords;
  /** `dns_requests_total` and `dns_responses_total`, as the resolver counts them. */
  readonly metrics: DnsQueryMetrics;
  private readonly opts: ClusterDnsServerOptions;
  private transport: DnsTransport | undefined;
  private readonly table: AnswerTable;
  /** The catalog revision and name server address the table's replies were built from. */
  private tableRevision = -1;
  private tableNsAddress: string | undefined;
  address = { host: '', port: 0 };

  constructor(opts: ClusterDnsServerOptions) {
    this.opts = opts;
    this.records = new ClusterRecords(opts.zone, opts.catalog, opts.ttl ?? 5);
    this.metrics = opts.metrics ?? new DnsQueryMetrics();
    this.table = new AnswerTable(
      opts.maxStoredAnswers !== undefined ? { maxEntries: opts.maxStoredAnswers } : {},
    );
  }

  /** Replies stored for the fast path right now. */
  get storedAnswers(): number {
    return this.table.entries;
  }

  /** Builds the response packet for a parsed request. */
  respond(request: InstanceType<typeof Packet>): InstanceType<typeof Packet> {
    const response = Packet.createResponseFromRequest(request);
    response.header.aa = 1;
    const q = request.questions[0];
    if (!q || request.questions.length !== 1) {
      response.header.rcode = RCODE.FORMERR;
      return response;
    }
    const r = this.records.lookup(q.name, q.type);
    response.header.rcode = r.rcode;
    if (r.rcode === RCODE.REFUSED) response.header.aa = 0;
    // owner names equal to the question keep the asker's letter case (0x20 checks, RFC 4343)
    const lower = q.name.toLowerCase();
    for (const a of r.answers) {
      response.answers.push((a.name === lower ? { ...a, name: q.name } : a) as never);
    }
    response.additionals.push(...(r.additionals as never[]));
    if (r.soa) response.authorities.push(this.records.soaRecord(r.soaZone) as never);
    return response;
  }

  /**
   * Answers one raw message and counts it: the query by type once parsed, every reply by its
   * rcode (FORMERR, REFUSED and SERVFAIL included; a dropped message is no reply). Never throws.
   */
  handle(query: Buffer): Buffer | undefined {
    const resp = this.answer(query);
    this.metrics.response(resp);
    return resp;
  }

  /**
   * Builds the reply to one raw message. The bounded parser in `dns-wire.ts` checks it first: dns2's own
   * parser trusts the section counts and spends seconds on a packet that claims 65535 records,
   * so only a well-formed query of one question and at most one (OPT) additional reaches it.
   * Never throws; `undefined` drops what is not even a query header.
   */
  private answer(query: Buffer): Buffer | undefined {
    const table = this.table;
    const plain = table.scan(query);
    if (plain) {
      // a stored reply holds until the data it was built from changes
      const revision = this.opts.catalog.revision;
      if (revision !== this.tableRevision || this.records.nsAddress !== this.tableNsAddress) {
        table.clear();
        this.tableRevision = revision;
        this.tableNsAddress = this.records.nsAddress;
      }
      const hit = table.reply(query);
      if (hit) {
        this.metrics.request(table.scanned.type);
        return hit;
      }
    }
    return this.slowAnswer(query, plain);
  }

  /**
   * {@link ClusterDnsServer.answer} without the table: parses, screens and builds with dns2; a
   * reply to a `plain` query (see {@link AnswerTable.scan}) is stored for the next ones.
   */
  private slowAnswer(query: Buffer, plain: boolean): Buffer | undefined {
    let q: Query;
    try {
      q = parseQuery(query);
    } catch {
      if (query.length < 12 || (query.readUInt16BE(2) & 0x8000) !== 0) {
        return undefined;
      }
      return errorResponse(query, RCODE.FORMERR);
    }
    this.metrics.request(q.type);
    const refused = screenQuery(query, q);
    if (refused) return refused;
    if (query.readUInt16BE(6) !== 0 || query.readUInt16BE(8) !== 0 || query.readUInt16BE(10) > 1) {
      return errorResponse(query, RCODE.FORMERR, q);
    }
    try {
      const resp = this.respond(Packet.parse(query)).toBuffer();
      if (plain) this.table.store(query, resp);
      if (!q.edns) return resp;
      // outside the zone: not authoritative, and this server does not recurse (RFC 8914 §4.21)
      const refusedHere = ((resp[3] ?? 0) & 0x0f) === RCODE.REFUSED;
      const ede = refusedHere ? { ede: { code: EDE.NOT_AUTHORITATIVE } } : {};
      return appendOpt(resp, optRecord({ dnssecOk: q.dnssecOk, ...ede }));
    } catch {
      return errorResponse(query, RCODE.SERVFAIL, q);
    }
  }

  /** Listens on UDP and TCP (same port). */
  async start(): Promise<{ host: string; port: number }> {
    this.transport = new DnsTransport(
      {
        host: this.opts.host ?? '127.0.0.1',
        port: this.opts.port ?? 0,
        reusePort: this.opts.reusePort ?? false,
        ...(this.opts.maxTcpConnections !== undefined
          ? { maxTcpConnections: this.opts.maxTcpConnections }
          : {}),
        ...(this.opts.maxTcpConnectionsPerClient !== undefined
          ? { maxTcpConnectionsPerClient: this.opts.maxTcpConnectionsPerClient }
          : {}),
      },
      (query) => this.handle(query),
    );
    this.address = await this.transport.start();
    this.metrics.server = `dns://${this.address.host}:${String(this.address.port)}`;
    // a wildcard address is no use as the name server's A record
    if (isIPv4(this.address.host) && this.address.host !== '0.0.0.0') {
      this.records.nsAddress = this.address.host;
    }
    return this.address;
  }

  async stop(): Promise<void> {
    await this.transport?.stop();
    this.transport = undefined;
  }
}
