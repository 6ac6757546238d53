import dns2 from 'dns2';
import { RCODE, TYPE } from '../wire/dns-wire.js';

const { Packet } = dns2;

/** Ready endpoints of one service in one member cluster. */
export interface ClusterEndpoints {
  cluster: string;
  region?: string;
  ips: string[];
}

/** Where federated names look up endpoints across clusters. */
export interface FederatedCatalog {
  /**
   * Ready endpoints per cluster. A cluster that is not Ready, or has no ready endpoints, should
   * still be listed (with empty `ips`): its `region` is how a client in it finds its region.
   */
  endpoints(namespace: string, service: string): Promise<ClusterEndpoints[]>;
}

/** Options for {@link FederatedNames}. */
export interface FederatedNamesOptions {
  /** Federation name in `<svc>.<ns>.<federation>.svc.<zone>`. */
  federation: string;
  zone: string;
  catalog: FederatedCatalog;
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

/**
 * Federation-wide names: `<svc>.<ns>.<federation>.svc.<zone>` (Federation v1 style) and
 * `<svc>.<ns>.svc.clusterset.local` (MCS). Both answer the ready endpoints of the service in every
 * Ready member; the federation name prefers the asking client's own cluster, then its region,
 * when they have ready endpoints.
 */
export class FederatedNames {
  private readonly opts: FederatedNamesOptions;
  private readonly suffix: string;

  constructor(opts: FederatedNamesOptions) {
    this.opts = opts;
    this.suffix = `.${opts.federation}.svc.${opts.zone}`.toLowerCase();
  }

  /** `{ns, svc, local}` when the name is a federated one. */
  match(name: string): { ns: string; svc: string; local: boolean } | undefined {
    if (name.endsWith(this.suffix)) {
      const parts = name.slice(0, -this.suffix.length).split('.');
      if (parts.length === 2) return { svc: parts[0] ?? '', ns: parts[1] ?? '', local: true };
    }
    if (name.endsWith('.svc.clusterset.local')) {
      const parts = name.slice(0, -'.svc.clusterset.local'.length).split('.');
      if (parts.length === 2) return { svc: parts[0] ?? '', ns: parts[1] ?? '', local: false };
    }
    return undefined;
  }

  /** Builds the response for a federated query. */
  async answer(
    query: Buffer,
    m: { ns: string; svc: string; local: boolean },
    clientIp: string,
  ): Promise<Buffer> {
    const req = Packet.parse(query);
    const res = Packet.createResponseFromRequest(req);
    res.header.aa = 1;
    res.header.ra = 1;
    const q = req.questions[0];
    const name = q?.name ?? '';
    const clusters = await this.opts.catalog.endpoints(m.ns, m.svc);
    const mine = m.local ? this.opts.clientCluster?.(clientIp) : undefined;
    const chosen = preferLocal(clusters, mine);
    const ttl = this.opts.ttl ?? 5;
    const zone = m.local ? `${this.opts.federation}.svc.${this.opts.zone}` : 'clusterset.local';
    if (chosen.length === 0) {
      res.header.rcode = RCODE.NXDOMAIN;
    } else if (q?.type === TYPE.A || q?.type === TYPE.ANY) {
      for (const ip of [...new Set(chosen.flatMap((c) => c.ips))].sort()) {
        res.answers.push({ name, type: TYPE.A, class: 1, ttl, address: ip } as never);
      }
    }
    if (res.answers.length === 0) {
      res.authorities.push({
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
      } as never);
    }
    return res.toBuffer();
  }
}
