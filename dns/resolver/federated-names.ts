import dns2 from 'dns2';
import { parseQuery, RCODE, TYPE } from '../wire/dns-wire.js';
import { appendOpt, optRecord } from '../wire/edns.js';
import type { ClusterSetCatalog } from './clusterset-catalog.js';
import { ClusterSetNotSyncedError } from './clusterset-not-synced-error.js';
import { CLUSTERSET_ZONE, clusterSetRecords, type ClusterSetAnswer } from './clusterset-records.js';
import type { ClusterEndpoints, FederatedCatalog } from './federated-catalog.js';
import {
  inLocality,
  localityAnswer,
  localityApexes,
  parseLocalityName,
  type Locality,
  type LocalityAnswer,
} from './federated-locality.js';

const { Packet } = dns2;

export type {
  ClusterEndpoints,
  ClusterTopology,
  FederatedCatalog,
  ServiceRef,
} from './federated-catalog.js';

/** Options for {@link FederatedNames}. */
export interface FederatedNamesOptions {
  /** Federation name in `<svc>.<ns>.<federation>.svc.<zone>`. */
  federation: string;
  /**
   * Suffix of the federation-wide names: `<svc>.<ns>.<federation>.svc.<zone>` (global),
   * `….svc.<region>.<zone>` (region) and `….svc.<cluster-zone>.<region>.<zone>` (zone).
   */
  zone: string;
  catalog: FederatedCatalog;
  /**
   * ServiceImports and imported EndpointSlices: `<svc>.<ns>.svc.clusterset.local` and the names
   * below it answer from them (Multicluster DNS specification 1.0.0). Without it, the service
   * name answers the ready endpoints of `catalog` in every cluster (the pre-MCS behaviour, kept
   * for set-ups whose federation does not serve the multi-cluster types).
   */
  clusterset?: ClusterSetCatalog;
  /** The cluster a client address belongs to (for locality preference). */
  clientCluster?: (ip: string) => string | undefined;
  ttl?: number;
}

/**
 * Federation v1 locality: the client's own cluster when it has ready endpoints, else the healthy
 * clusters of its region, else every healthy cluster. The client's region is read from the full
 * list, so it is known even when its own cluster has no ready endpoints (the case that matters).
 */
function preferLocal(clusters: ClusterEndpoints[], mine: string | undefined): ClusterEndpoints[] {
  const healthy = clusters.filter((c) => c.ips.length > 0);
  if (mine === undefined) return healthy;
  const own = healthy.filter((c) => c.cluster === mine);
  if (own.length > 0) return own;
  const region = clusters.find((c) => c.cluster === mine)?.region;
  const sameRegion = region === undefined ? [] : healthy.filter((c) => c.region === region);
  return sameRegion.length > 0 ? sameRegion : healthy;
}

const CLUSTERSET = CLUSTERSET_ZONE;
/** MCS DNS schema version served at `dns-version.clusterset.local`. */
const MCS_SCHEMA_VERSION = '1.0.0';

/**
 * What a name under a federated zone is: a federated service name, the zone apex, an empty
 * non-terminal (a branch with names below it: NODATA, RFC 8020 forbids NXDOMAIN), the MCS schema
 * version, or a name that does not exist. `scope` marks the region and zone zones
 * (`<fed>.svc.[<cluster-zone>.]<region>.<zone>`): they exist only while a cluster has that region
 * (and zone), which the answer checks.
 */
export type FederatedMatch =
  | {
      kind: 'service';
      zone: string;
      local: boolean;
      ns: string;
      svc: string;
      /** Labels left of `<svc>.<ns>.svc.clusterset.local` (SRV and endpoint names); else absent. */
      sub?: string[];
      scope?: Locality;
    }
  | {
      kind: 'apex' | 'empty' | 'version' | 'nxdomain';
      zone: string;
      local: boolean;
      scope?: Locality;
    };

/**
 * Federation-wide names: `<svc>.<ns>.<federation>.svc.<zone>` (Federation v1 style) answers the
 * ready endpoints of the service in every Ready member, preferring the asking client's own
 * cluster, then its region, when they have ready endpoints. Its Federation v1 region and zone
 * names, `<svc>.<ns>.<federation>.svc.<region>.<zone>` and
 * `<svc>.<ns>.<federation>.svc.<cluster-zone>.<region>.<zone>`, answer the ready endpoints of the
 * Ready clusters there, or CNAME to the next wider name when there are none (see
 * {@link localityAnswer}). `<svc>.<ns>.svc.clusterset.local`
 * (MCS) and its SRV and endpoint names answer from the federation's ServiceImports and
 * EndpointSlices (see {@link clusterSetRecords}). The resolver is authoritative for these zones:
 * every other name in them gets NODATA or NXDOMAIN with the zone's SOA, never REFUSED.
 */
export class FederatedNames {
  private readonly opts: FederatedNamesOptions;
  private readonly fedZone: string;
  private readonly federation: string;
  private readonly suffix: string;

  constructor(opts: FederatedNamesOptions) {
    this.opts = opts;
    this.federation = opts.federation.toLowerCase();
    this.suffix = opts.zone.toLowerCase().replace(/\.$/, '');
    this.fedZone = `${this.federation}.svc.${this.suffix}`;
  }

  /** What `name` (lower case) is in a federated zone; undefined outside them. */
  match(name: string): FederatedMatch | undefined {
    const local = this.fedZone;
    if (name === local) return { kind: 'apex', zone: local, local: true };
    if (name.endsWith(local) && name.charCodeAt(name.length - local.length - 1) === 46) {
      const rel = name.slice(0, -local.length - 1).split('.');
      if (rel.length === 2) {
        return { kind: 'service', zone: local, local: true, svc: rel[0] ?? '', ns: rel[1] ?? '' };
      }
      return { kind: rel.length === 1 ? 'empty' : 'nxdomain', zone: local, local: true };
    }
    if (name === CLUSTERSET) return { kind: 'apex', zone: CLUSTERSET, local: false };
    if (name.endsWith(`.${CLUSTERSET}`)) {
      const rel = name.slice(0, -CLUSTERSET.length - 1).split('.');
      const zone = CLUSTERSET;
      if (rel[rel.length - 1] === 'svc') {
        if (rel.length === 3) {
          return { kind: 'service', zone, local: false, svc: rel[0] ?? '', ns: rel[1] ?? '' };
        }
        if (rel.length <= 2) return { kind: 'empty', zone, local: false };
        if (this.opts.clusterset) {
          const [svc = '', ns = ''] = rel.slice(-3, -1);
          return { kind: 'service', zone, local: false, svc, ns, sub: rel.slice(0, -3) };
        }
      }
      const version = rel.length === 1 && rel[0] === 'dns-version';
      return { kind: version ? 'version' : 'nxdomain', zone, local: false };
    }
    return this.matchLocality(name);
  }

  /** A region or zone name (`….<fed>.svc.[<cluster-zone>.]<region>.<zone>`), else undefined. */
  private matchLocality(name: string): FederatedMatch | undefined {
    const loc = parseLocalityName(name, this.federation, this.suffix);
    if (!loc) return undefined;
    const { scope, apex: zone, rel } = loc;
    const [svc = '', ns = ''] = rel;
    if (rel.length === 2) return { kind: 'service', zone, local: true, svc, ns, scope };
    const kind = rel.length === 0 ? 'apex' : rel.length === 1 ? 'empty' : 'nxdomain';
    return { kind, zone, local: true, scope };
  }

  /**
   * What the answer to `m` depends on besides the question: the asking client's cluster for a
   * Federation v1 service name (locality preference), else nothing. Part of the cache key.
   */
  cacheScope(m: FederatedMatch, clientIp: string): string {
    return this.isScoped(m) ? this.clientScope(clientIp) : '';
  }

  /** Whether the answer to `m` depends on the asking client (see {@link cacheScope}). */
  isScoped(m: FederatedMatch): boolean {
    return m.kind === 'service' && m.local;
  }

  /** The scope of a client address for scoped answers: its cluster, or '' when unknown. */
  clientScope(clientIp: string): string {
    return this.opts.clientCluster?.(clientIp) ?? '';
  }

  /**
   * Calls `listener(name)` after the data behind `name` and every name below it changed (the
   * clusterset service names of an updated ServiceImport or EndpointSlice), so cached answers can
   * be dropped at once instead of living out their TTL.
   */
  onChange(listener: (name: string) => void): void {
    this.opts.clusterset?.onChange((ns, svc) => {
      listener(`${svc}.${ns}.svc.${CLUSTERSET}`.toLowerCase());
    });
    // the global, region and zone names of a service share no suffix short of `<zone>` (which
    // the member zones share too): drop below each apex, the ones before the change included,
    // so a region that went away loses its answers and one that came loses its NXDOMAINs
    let apexes = this.apexes();
    this.opts.catalog.onChange?.((service) => {
      const now = this.apexes();
      const all = new Set([this.fedZone, ...apexes, ...now]);
      apexes = now;
      const below = service ? `${service.name}.${service.namespace}.`.toLowerCase() : '';
      for (const apex of all) listener(`${below}${apex}`);
    });
  }

  /** The region and zone apexes that exist now. */
  private apexes(): string[] {
    return localityApexes(this.federation, this.suffix, this.opts.catalog.topology?.() ?? []);
  }

  private soa(zone: string, ttl: number): Record<string, unknown> {
    return {
      name: zone,
      type: TYPE.SOA,
      class: 1,
      ttl,
      primary: `ns.${zone}`,
      admin: `hostmaster.${zone}`,
      serial: 1,
      refresh: 3600,
      retry: 600,
      expiration: 86400,
      minimum: ttl,
    };
  }

  /** Whether some cluster has the region (and zone) of `scope`. */
  private exists(scope: Locality): boolean {
    return (this.opts.catalog.topology?.() ?? []).some((c) => inLocality(c, scope));
  }

  /**
   * Records answering `m` for `type` (empty = NODATA), or undefined for NXDOMAIN.
   * @throws ClusterSetNotSyncedError for a clusterset service name before the imports were listed.
   */
  private async records(
    m: FederatedMatch,
    name: string,
    type: number,
    clientIp: string,
  ): Promise<ClusterSetAnswer | LocalityAnswer | Record<string, unknown>[] | undefined> {
    const ttl = this.opts.ttl ?? 5;
    const any = type === TYPE.ANY;
    // a region or zone apex, or a branch below one, exists while a cluster is there
    if (m.scope && m.kind !== 'service' && !this.exists(m.scope)) return undefined;
    switch (m.kind) {
      case 'service': {
        const mcs = this.opts.clusterset;
        if (!m.local && mcs) {
          if (!mcs.synced()) throw new ClusterSetNotSyncedError(name);
          const sub = m.sub ?? [];
          return clusterSetRecords(mcs, { name, type, ns: m.ns, svc: m.svc, sub, ttl });
        }
        const clusters = await this.opts.catalog.endpoints(m.ns, m.svc);
        const mine = m.local ? this.opts.clientCluster?.(clientIp) : undefined;
        const global = (): string[] => preferLocal(clusters, mine).flatMap((c) => c.ips);
        if (m.scope) {
          const { svc, ns, scope } = m;
          const { federation, suffix } = this;
          return localityAnswer({
            name,
            type,
            ttl,
            svc,
            ns,
            scope,
            federation,
            suffix,
            clusters,
            global,
          });
        }
        const ips = global();
        if (ips.length === 0) return undefined;
        if (type !== TYPE.A && !any) return [];
        // sorted here; the resolver's cache rotates the order between replays (round robin)
        return [...new Set(ips)]
          .sort()
          .map((ip) => ({ name, type: TYPE.A, class: 1, ttl, address: ip }));
      }
      case 'apex': {
        const ns = { name, type: TYPE.NS, class: 1, ttl, ns: `ns.${m.zone}` };
        return [
          ...(type === TYPE.SOA || any ? [{ ...this.soa(m.zone, ttl), name }] : []),
          ...(type === TYPE.NS || any ? [ns] : []),
        ];
      }
      case 'version':
        return type === TYPE.TXT || any
          ? [{ name, type: TYPE.TXT, class: 1, ttl, data: [MCS_SCHEMA_VERSION] }]
          : [];
      case 'empty':
        return [];
      case 'nxdomain':
        return undefined;
    }
  }

  /**
   * Builds the response for a query `match` accepted: NXDOMAIN when the name does not exist or
   * no cluster has ready endpoints, NODATA for other types; both with the zone SOA (RFC 2308).
   * Carries an OPT record when the query had one.
   * @throws ClusterSetNotSyncedError before the clusterset catalog synced (answer SERVFAIL).
   */
  async answer(query: Buffer, m: FederatedMatch, clientIp: string): Promise<Buffer> {
    const parsed = parseQuery(query);
    const req = Packet.parse(query);
    const res = Packet.createResponseFromRequest(req);
    res.header.aa = 1;
    res.header.ra = 1;
    const name = req.questions[0]?.name ?? '';
    const ttl = this.opts.ttl ?? 5;
    const found = await this.records(m, name, parsed.type, clientIp);
    // the zone whose SOA marks a negative answer: the name's own, or the end of a CNAME chain's
    let negative: string | undefined;
    if (found === undefined) res.header.rcode = RCODE.NXDOMAIN;
    else if (Array.isArray(found)) res.answers.push(...(found as never[]));
    else if ('nxdomain' in found) {
      res.answers.push(...(found.answers as never[]));
      if (found.nxdomain) res.header.rcode = RCODE.NXDOMAIN;
      negative = found.negativeZone;
    } else {
      res.answers.push(...(found.answers as never[]));
      res.additionals.push(...(found.additionals as never[]));
    }
    if (res.answers.length === 0) negative ??= m.zone;
    if (negative !== undefined) res.authorities.push(this.soa(negative, ttl) as never);
    const out = res.toBuffer();
    return parsed.edns ? appendOpt(out, optRecord({ dnssecOk: parsed.dnssecOk })) : out;
  }
}
