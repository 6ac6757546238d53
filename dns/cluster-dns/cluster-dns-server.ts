import dns2 from 'dns2';
import { freePort } from '../../federation/machinery/util/free-port.js';
import { RCODE, TYPE } from '../wire/dns-wire.js';
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
  ttl?: number;
}

/**
 * A member cluster's DNS server on dns2 (UDP and TCP): authoritative for its zone, answering the
 * Kubernetes DNS specification from the Service catalog, NXDOMAIN/NODATA with the zone SOA
 * (negative caching, RFC 2308), REFUSED outside the zone. dns2 truncates over-size UDP answers.
 */
export class ClusterDnsServer {
  readonly records: ClusterRecords;
  private readonly opts: ClusterDnsServerOptions;
  private server: ReturnType<typeof dns2.createServer> | undefined;
  address = { host: '', port: 0 };

  constructor(opts: ClusterDnsServerOptions) {
    this.opts = opts;
    this.records = new ClusterRecords(opts.zone, opts.catalog, opts.ttl ?? 5);
  }

  private soa(): Record<string, unknown> {
    const zone = this.records.zone;
    return { name: zone, type: TYPE.SOA, class: 1, ttl: this.opts.ttl ?? 5, primary: `ns.dns.${zone}`, admin: `hostmaster.${zone}`, serial: 1, refresh: 7200, retry: 1800, expiration: 86400, minimum: this.opts.ttl ?? 5 };
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
    response.answers.push(...(r.answers as never[]));
    response.additionals.push(...(r.additionals as never[]));
    if (r.soa) response.authorities.push(this.soa() as never);
    return response;
  }

  async start(): Promise<{ host: string; port: number }> {
    const host = this.opts.host ?? '127.0.0.1';
    this.server = dns2.createServer({
      udp: true,
      tcp: true,
      handle: (request, send) => {
        void Promise.resolve()
          .then(() => send(this.respond(request)))
          .catch(() => undefined);
      },
    });
    this.server.on('requestError', () => undefined);
    this.server.on('error', () => undefined);
    // UDP and TCP serve the same port number
    const port = this.opts.port || (await freePort(host));
    await this.server.listen({ udp: { port, address: host, type: 'udp4' }, tcp: { port, address: host } } as never);
    this.address = { host, port };
    return this.address;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
}
