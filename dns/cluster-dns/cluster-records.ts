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
  /** NS target. */
  ns?: string;
  /** SOA fields (dns2's names). */
  primary?: string;
  admin?: string;
  serial?: number;
  refresh?: number;
  retry?: number;
  expiration?: number;
  minimum?: number;
}

/** The outcome of one lookup. */
export interface Lookup {
  rcode: number;
  answers: DnsRecord[];
  additionals: DnsRecord[];
  /** Authoritative negative answers (NXDOMAIN and NODATA) carry the zone SOA. */
  soa: boolean;
  /** The zone whose SOA goes into the authority section: the cluster zone or `in-addr.arpa`. */
  soaZone?: string;
}

/** The reverse zone the cluster DNS answers PTR names in (Kubernetes DNS spec 2.3.3 / 2.4.3). */
const REVERSE_ZONE = 'in-addr.arpa';

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
 * ports, PTR, pod A, ExternalName CNAME, dns-version TXT, SOA and NS at the apex. Unknown names are
 * NXDOMAIN, other types of existing names and the branches `svc`, `pod`, `<ns>.svc`, `<ns>.pod`
 * (empty non-terminals, RFC 8020) are NODATA; every negative answer carries the SOA (RFC 2308).
 */
export class ClusterRecords {
  readonly zone: string;
  private readonly catalog: ServiceCatalog;
  private readonly ttl: number;
  /**
   * The address of this zone's name server `ns.dns.<zone>` (the apex NS target), when the server
   * listens on one specific address; it is then answered, and sent as glue with the NS record.
   */
  nsAddress: string | undefined;

  constructor(zone: string, catalog: ServiceCatalog, ttl = 5) {
    this.zone = zone.toLowerCase().replace(/\.$/, '');
    this.catalog = catalog;
    this.ttl = ttl;
  }

  private rec(name: string, type: number, fields: Partial<DnsRecord>): DnsRecord {
    return { name, type, class: 1, ttl: this.ttl, ...fields };
  }

  /** The SOA record of `zone` (this zone or the reverse zone), owned by `owner`. */
  soaRecord(zone: string = this.zone, owner: string = zone): DnsRecord {
    return this.rec(owner, TYPE.SOA, {
      primary: `ns.dns.${this.zone}`,
      admin: `hostmaster.${this.zone}`,
      serial: 1,
      refresh: 7200,
      retry: 1800,
      expiration: 86400,
      minimum: this.ttl,
    });
  }

  /** True when the name is inside this zone (or a reverse name). */
  inZone(name: string): boolean {
    return name === this.zone || name.endsWith(`.${this.zone}`) || name.endsWith('.in-addr.arpa');
  }

  /** Answers one question (the name in any letter case); never throws. */
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
    if (name === REVERSE_ZONE || name.endsWith(`.${REVERSE_ZONE}`)) {
      return { ...this.reverse(name, qtype, ok, none), soaZone: REVERSE_ZONE };
    }
    if (!this.inZone(name)) {
      return { rcode: RCODE.REFUSED, answers: [], additionals: [], soa: false };
    }
    const nsName = `ns.dns.${this.zone}`;
    const glue = this.nsAddress ? [this.rec(nsName, TYPE.A, { address: this.nsAddress })] : [];
    if (name === this.zone) {
      const apex = [this.soaRecord(this.zone, name), this.rec(name, TYPE.NS, { ns: nsName })];
      return ok(apex, qtype === TYPE.NS ? glue : []);
    }
    if (name === nsName && glue.length > 0) return ok(glue);
    if (name === `dns.${this.zone}` && glue.length > 0) return none(RCODE.NOERROR);
    const rel = name.slice(0, -(this.zone.length + 1)).split('.');
    if (rel.length === 1 && rel[0] === 'dns-version') {
      return ok([this.rec(name, TYPE.TXT, { data: [DNS_SCHEMA_VERSION] })]);
    }
    const kind = rel[rel.length - 1];
    // svc, pod, <ns>.svc and <ns>.pod have names below them: empty non-terminals
    if ((kind === 'svc' || kind === 'pod') && rel.length <= 2) return none(RCODE.NOERROR);
    if (kind === 'pod' && rel.length === 3) {
      const ip = podIp(rel[0] ?? '');
      return ip ? ok([this.rec(name, TYPE.A, { address: ip })]) : none(RCODE.NXDOMAIN);
    }
    if (kind !== 'svc') return none(RCODE.NXDOMAIN);
    if (rel.length === 3) return this.service(name, rel[1] ?? '', rel[0] ?? '', qtype, ok, none);
    if (rel.length === 4) {
      const svc = this.catalog.service(rel[2] ?? '', rel[1] ?? '');
      if (!svc) return none(RCODE.NXDOMAIN);
      // _<proto>.<svc>.<ns>.svc is the branch above the SRV names of a service with named ports
      if (rel[0]?.startsWith('_')) {
        const proto = rel[0].slice(1).toUpperCase();
        const named = (svc.spec.ports ?? []).some((p) => p.name && (p.protocol ?? 'TCP') === proto);
        return none(named ? RCODE.NOERROR : RCODE.NXDOMAIN);
      }
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

  private reverse(
    name: string,
    qtype: number,
    ok: (a: DnsRecord[]) => Lookup,
    none: (r: number) => Lookup,
  ): Lookup {
    const parts = name === REVERSE_ZONE ? [] : name.slice(0, -REVERSE_ZONE.length - 1).split('.');
    if (parts.some((p) => !isOctet(p))) return none(RCODE.NXDOMAIN);
    // in-addr.arpa and its 1- to 3-label descendants are branches above the PTR names
    if (parts.length < 4) return none(RCODE.NOERROR);
    if (parts.length > 4) return none(RCODE.NXDOMAIN);
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
    return out.length === 0 ? none(RCODE.NXDOMAIN) : ok(out);
  }
}

/** A decimal octet as written in a name: 0..255, no leading zeros. */
function isOctet(label: string): boolean {
  return /^(0|[1-9]\d{0,2})$/.test(label) && Number(label) <= 255;
}

/** The IPv4 address a pod name `a-b-c-d` stands for, if every part is an octet. */
function podIp(label: string): string | undefined {
  const parts = label.split('-');
  return parts.length === 4 && parts.every(isOctet) ? parts.join('.') : undefined;
}
