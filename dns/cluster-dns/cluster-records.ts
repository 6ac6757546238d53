import { RCODE, TYPE } from '../wire/dns-wire.js';
import type { DnsService, ServiceCatalog } from './service-catalog.js';

/** One answer record in dns2's resource shape. */
export interface DnsRecord {
  name: string;
  type: number;
  class: 1;
  ttl: number;
  address?: string;
  domain?: string;
  data?: string[];
  priority?: number;
  weight?: number;
  port?: number;
  target?: string;
}

/** The outcome of one lookup. */
export interface Lookup {
  rcode: number;
  answers: DnsRecord[];
  additionals: DnsRecord[];
  /** Authoritative negative answers carry the zone SOA. */
  soa: boolean;
}

/** Kubernetes DNS schema version served at dns-version.<zone>. */
export const DNS_SCHEMA_VERSION = '1.1.0';

function readyAddresses(
  catalog: ServiceCatalog,
  svc: DnsService,
): { ip: string; hostname?: string }[] {
  const ep = catalog.endpoints(svc.metadata.namespace ?? '', svc.metadata.name ?? '');
  return (ep?.subsets ?? []).flatMap((s) => [
    ...(s.addresses ?? []),
    ...(svc.spec.publishNotReadyAddresses ? (s.notReadyAddresses ?? []) : []),
  ]);
}

function dashed(ip: string): string {
  return ip.replace(/\./g, '-');
}

/**
 * Answers the Kubernetes DNS specification for one zone from Services and Endpoints:
 * ClusterIP A, headless per-ready-endpoint A (NXDOMAIN when none), endpoint hostnames, SRV for named
 * ports, PTR, pod A, ExternalName CNAME, dns-version TXT; NXDOMAIN + SOA for unknown names.
 */
export class ClusterRecords {
  readonly zone: string;
  private readonly catalog: ServiceCatalog;
  private readonly ttl: number;

  constructor(zone: string, catalog: ServiceCatalog, ttl = 5) {
    this.zone = zone.toLowerCase().replace(/\.$/, '');
    this.catalog = catalog;
    this.ttl = ttl;
  }

  private rec(name: string, type: number, fields: Partial<DnsRecord>): DnsRecord {
    return { name, type, class: 1, ttl: this.ttl, ...fields };
  }

  /** True when the name is inside this zone (or a reverse name). */
  inZone(name: string): boolean {
    return name === this.zone || name.endsWith(`.${this.zone}`) || name.endsWith('.in-addr.arpa');
  }

  lookup(qname: string, qtype: number): Lookup {
    const name = qname.toLowerCase().replace(/\.$/, '');
    const none = (rcode: number): Lookup => ({
      rcode,
      answers: [],
      additionals: [],
      soa: rcode === RCODE.NXDOMAIN || rcode === RCODE.NOERROR,
    });
    const ok = (answers: DnsRecord[], additionals: DnsRecord[] = []): Lookup => {
      const wanted = answers.filter(
        (a) => qtype === TYPE.ANY || a.type === qtype || a.type === TYPE.CNAME,
      );
      return wanted.length > 0
        ? { rcode: RCODE.NOERROR, answers: wanted, additionals, soa: false }
        : none(RCODE.NOERROR);
    };
    if (name.endsWith('.in-addr.arpa')) return this.reverse(name, qtype);
    if (!this.inZone(name)) {
      return { rcode: RCODE.REFUSED, answers: [], additionals: [], soa: false };
    }
    if (name === this.zone) return none(RCODE.NOERROR);
    const rel = name.slice(0, -(this.zone.length + 1)).split('.');
    if (rel.length === 1 && rel[0] === 'dns-version') {
      return ok([this.rec(name, TYPE.TXT, { data: [DNS_SCHEMA_VERSION] })]);
    }
    const kind = rel[rel.length - 1];
    if (kind === 'pod' && rel.length === 3) {
      const m = /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$/.exec(rel[0] ?? '');
      return m
        ? ok([
            this.rec(name, TYPE.A, {
              address: `${m[1] ?? ''}.${m[2] ?? ''}.${m[3] ?? ''}.${m[4] ?? ''}`,
            }),
          ])
        : none(RCODE.NXDOMAIN);
    }
    if (kind !== 'svc') return none(RCODE.NXDOMAIN);
    if (rel.length === 2) return none(RCODE.NOERROR); // <ns>.svc exists as a branch
    if (rel.length === 3) return this.service(name, rel[1] ?? '', rel[0] ?? '', qtype, ok, none);
    if (rel.length === 4) {
      const svc = this.catalog.service(rel[2] ?? '', rel[1] ?? '');
      if (!svc) return none(RCODE.NXDOMAIN);
      const hits = readyAddresses(this.catalog, svc).filter(
        (a) => (a.hostname ?? dashed(a.ip)) === rel[0],
      );
      return hits.length > 0
        ? ok(hits.map((a) => this.rec(name, TYPE.A, { address: a.ip })))
        : none(RCODE.NXDOMAIN);
    }
    if (rel.length === 5 && rel[0]?.startsWith('_') && rel[1]?.startsWith('_')) {
      return this.srv(name, rel, qtype, ok, none);
    }
    return none(RCODE.NXDOMAIN);
  }

  private service(
    name: string,
    ns: string,
    svcName: string,
    _qtype: number,
    ok: (a: DnsRecord[], b?: DnsRecord[]) => Lookup,
    none: (r: number) => Lookup,
  ): Lookup {
    const svc = this.catalog.service(ns, svcName);
    if (!svc) return none(RCODE.NXDOMAIN);
    if (svc.spec.type === 'ExternalName' && svc.spec.externalName) {
      return ok([this.rec(name, TYPE.CNAME, { domain: svc.spec.externalName })]);
    }
    if (svc.spec.clusterIP && svc.spec.clusterIP !== 'None') {
      return ok([this.rec(name, TYPE.A, { address: svc.spec.clusterIP })]);
    }
    const addrs = readyAddresses(this.catalog, svc);
    if (addrs.length === 0) return none(RCODE.NXDOMAIN);
    return ok(
      [...new Set(addrs.map((a) => a.ip))].map((ip) => this.rec(name, TYPE.A, { address: ip })),
    );
  }

  private srv(
    name: string,
    rel: string[],
    _qtype: number,
    ok: (a: DnsRecord[], b?: DnsRecord[]) => Lookup,
    none: (r: number) => Lookup,
  ): Lookup {
    const port = (rel[0] ?? '').slice(1);
    const proto = (rel[1] ?? '').slice(1).toUpperCase();
    const ns = rel[3] ?? '';
    const svc = this.catalog.service(ns, rel[2] ?? '');
    if (!svc) return none(RCODE.NXDOMAIN);
    const base = `${rel[2] ?? ''}.${ns}.svc.${this.zone}`;
    if (svc.spec.clusterIP && svc.spec.clusterIP !== 'None') {
      const sp = (svc.spec.ports ?? []).find(
        (p) => p.name === port && (p.protocol ?? 'TCP') === proto,
      );
      if (!sp) return none(RCODE.NXDOMAIN);
      return ok(
        [this.rec(name, TYPE.SRV, { priority: 0, weight: 100, port: sp.port, target: base })],
        [this.rec(base, TYPE.A, { address: svc.spec.clusterIP })],
      );
    }
    const ep = this.catalog.endpoints(ns, rel[2] ?? '');
    const answers: DnsRecord[] = [];
    const extra: DnsRecord[] = [];
    for (const s of ep?.subsets ?? []) {
      const p = (s.ports ?? []).find((x) => x.name === port && (x.protocol ?? 'TCP') === proto);
      if (!p) continue;
      for (const a of s.addresses ?? []) {
        const target = `${a.hostname ?? dashed(a.ip)}.${base}`;
        answers.push(this.rec(name, TYPE.SRV, { priority: 0, weight: 100, port: p.port, target }));
        extra.push(this.rec(target, TYPE.A, { address: a.ip }));
      }
    }
    return answers.length > 0 ? ok(answers, extra) : none(RCODE.NXDOMAIN);
  }

  private reverse(name: string, qtype: number): Lookup {
    const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
    const none: Lookup = { rcode: RCODE.NXDOMAIN, answers: [], additionals: [], soa: false };
    if (parts.length !== 4) return none;
    const ip = [...parts].reverse().join('.');
    const out: DnsRecord[] = [];
    for (const svc of this.catalog.services()) {
      const base = `${svc.metadata.name ?? ''}.${svc.metadata.namespace ?? ''}.svc.${this.zone}`;
      if (svc.spec.clusterIP === ip) out.push(this.rec(name, TYPE.PTR, { domain: base }));
      else if (svc.spec.clusterIP === 'None') {
        for (const a of readyAddresses(this.catalog, svc)) {
          if (a.ip === ip) {
            out.push(this.rec(name, TYPE.PTR, { domain: `${a.hostname ?? dashed(a.ip)}.${base}` }));
          }
        }
      }
    }
    if (out.length === 0) return none;
    return {
      rcode: RCODE.NOERROR,
      answers: qtype === TYPE.PTR || qtype === TYPE.ANY ? out : [],
      additionals: [],
      soa: false,
    };
  }
}
