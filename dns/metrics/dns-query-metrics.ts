import { Counter, Registry } from 'prom-client';
import { RCODE, TYPE } from '../wire/dns-wire.js';

const TYPE_NAMES = new Map<number, string>(Object.entries(TYPE).map(([k, v]) => [v, k]));
const RCODE_NAMES = new Map<number, string>(Object.entries(RCODE).map(([k, v]) => [v, k]));

/**
 * The query counters every DNS server of the area exports, CoreDNS style:
 * `dns_requests_total{server,type}` and `dns_responses_total{server,rcode}`. The query path only
 * bumps plain numbers (a Map by record type, an array by rcode: no label objects, no prom-client
 * call per query); the Prometheus counters read them when scraped. One instance per server, i.e.
 * per worker process: a primary sums its workers through prom-client's AggregatorRegistry, so
 * every worker of one port must report the same `server`.
 */
export class DnsQueryMetrics {
  /** The registry to serve (or hand to the cluster aggregator). */
  readonly registry: Registry;
  /** `dns://host:port`, set once the server listens. */
  server = 'dns://';
  /** Queries by record type number. */
  readonly requestsByType = new Map<number, number>();
  /** Responses by rcode (the header's 4 bits). */
  readonly responsesByRcode: number[] = new Array<number>(16).fill(0);

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the collect callbacks bind `this` to the metric
    const self = this;
    new Counter({
      name: 'dns_requests_total',
      help: 'Counter of DNS requests made per server and type.',
      labelNames: ['server', 'type'],
      registers,
      collect() {
        this.reset();
        for (const [t, n] of self.requestsByType) {
          this.inc({ server: self.server, type: TYPE_NAMES.get(t) ?? 'other' }, n);
        }
      },
    });
    new Counter({
      name: 'dns_responses_total',
      help: 'Counter of response status codes.',
      labelNames: ['server', 'rcode'],
      registers,
      collect() {
        this.reset();
        self.responsesByRcode.forEach((n, rc) => {
          if (n > 0) this.inc({ server: self.server, rcode: RCODE_NAMES.get(rc) ?? String(rc) }, n);
        });
      },
    });
  }

  /** Counts one parsed query. */
  request(type: number): void {
    this.requestsByType.set(type, (this.requestsByType.get(type) ?? 0) + 1);
  }

  /** Counts one response by the rcode in its header; a dropped query (`undefined`) is not one. */
  response(resp: Buffer | undefined): void {
    if (!resp || resp.length < 4) return;
    const rc = (resp[3] ?? 0) & 0x0f;
    this.responsesByRcode[rc] = (this.responsesByRcode[rc] ?? 0) + 1;
  }
}
