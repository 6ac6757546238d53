import type { KubeObject } from '../../machinery/meta.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { clusterCredentials } from '../../machinery/client/cluster-credentials.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { InformerFactory } from '../../machinery/informer/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ClusterEndpoints,
  ClusterTopology,
  FederatedCatalog,
  ServiceRef,
} from './federated-catalog.js';
import type { Route, RouteTable } from './route-table.js';

const CLUSTERS = { group: 'cluster.flotilla.io', version: 'v1alpha1', resource: 'clusters' };
const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
const ENDPOINTS = { group: '', version: 'v1', resource: 'endpoints' };

interface ClusterLike extends KubeObject {
  spec: {
    apiEndpoint: string;
    secretRef: { namespace: string; name: string };
    region?: string;
    zone?: string;
    dns?: { zone: string; server: string };
  };
  status?: { conditions?: { type: string; status: string }[] };
}

interface EndpointsLike extends KubeObject {
  subsets?: { addresses?: { ip: string }[] }[];
}

/** Options for {@link ClusterSources}. */
export interface ClusterSourcesOptions {
  /**
   * Routes configured by hand (`--route`). They stay in the table; a Cluster whose `spec.dns`
   * names the same zone overrides the static entry for that zone.
   */
  staticRoutes?: Route[];
  /** How long one endpoints lookup is reused, in milliseconds. @defaultValue 1000 */
  memoMs?: number;
  /**
   * How often the endpoints of recently asked services are read again, in milliseconds, so a
   * change is announced ({@link FederatedCatalog.onChange}) while answers are cached. @defaultValue 500
   */
  refreshMs?: number;
  /** How long after its last question a service keeps being refreshed, in milliseconds. @defaultValue 10000 */
  activeMs?: number;
  /** Services refreshed at most (the most recently asked ones). @defaultValue 1024 */
  maxActive?: number;
}

/** Well-known Node/Cluster labels, read when the Cluster's spec has no region or zone. */
export const LABEL_TOPOLOGY_REGION = 'topology.kubernetes.io/region';
/** See {@link LABEL_TOPOLOGY_REGION}. */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/** A Cluster's region and zone: `spec.region`/`spec.zone`, else the topology labels. */
function topologyOf(c: ClusterLike): ClusterTopology {
  const labels = c.metadata.labels ?? {};
  const region = c.spec.region ?? labels[LABEL_TOPOLOGY_REGION];
  const zone = c.spec.zone ?? labels[LABEL_TOPOLOGY_ZONE];
  return {
    cluster: c.metadata.name ?? '',
    ...(region ? { region } : {}),
    ...(zone ? { zone } : {}),
  };
}

/** Whether two lookups of one service differ (cluster list, topology or ready addresses). */
function sameEndpoints(a: ClusterEndpoints[], b: ClusterEndpoints[]): boolean {
  const key = (l: ClusterEndpoints[]): string =>
    JSON.stringify(
      l
        .map((c) => [c.cluster, c.region ?? '', c.zone ?? '', [...c.ips].sort()] as const)
        .sort((x, y) => x[0].localeCompare(y[0])),
    );
  return key(a) === key(b);
}

/**
 * Annotation on a Cluster naming the reverse zones (comma-separated, e.g. `96.10.in-addr.arpa`)
 * its cluster DNS answers PTR names in: the resolver routes them to that cluster's DNS server.
 */
export const REVERSE_ZONES_ANNOTATION = 'dns.flotilla.io/reverse-zones';

/** The reverse zones a Cluster claims through {@link REVERSE_ZONES_ANNOTATION}. */
function reverseZones(c: ClusterLike): string[] {
  const v = c.metadata.annotations?.[REVERSE_ZONES_ANNOTATION] ?? '';
  return v
    .split(',')
    .map((z) => z.trim())
    .filter((z) => z.endsWith('.in-addr.arpa') || z.endsWith('.ip6.arpa'));
}

const ready = (c: ClusterLike): boolean =>
  c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true;

/**
 * Follows Cluster objects at the federation API: keeps the resolver's route table equal to the
 * static routes merged with the clusters' `spec.dns` (zone → server, plus the reverse zones of
 * {@link REVERSE_ZONES_ANNOTATION}; a Cluster wins over a static route for the same zone), and looks up ready endpoints of a service in every Ready member through
 * the member's Kubernetes API (credentials from the Cluster's Secret). Concurrent lookups of the
 * same service share one round of member API calls, and its result is reused for `memoMs`.
 */
export class ClusterSources implements FederatedCatalog {
  private readonly informers: InformerFactory;
  private readonly routes: RouteTable;
  private readonly clients = new Map<string, { fp: string; client: RestClient }>();
  private readonly memo = new Map<
    string,
    { at: number; value: ClusterEndpoints[]; exists: boolean }
  >();
  /** Services asked for lately (key → when), refreshed in the background while they exist. */
  private readonly asked = new Map<string, number>();
  private readonly listeners: ((service?: ServiceRef) => void)[] = [];
  /** Bumped on every Cluster event: a lookup that started before one is not memoised. */
  private generation = 0;
  private refreshing: Promise<void> | undefined;
  private readonly refreshMs: number;
  private readonly activeMs: number;
  private readonly maxActive: number;
  private readonly inflight = new Map<
    string,
    Promise<{ value: ClusterEndpoints[]; exists: boolean }>
  >();
  private readonly staticRoutes: Route[];
  private readonly memoMs: number;

  constructor(federation: KubeClient, routes: RouteTable, opts: ClusterSourcesOptions = {}) {
    this.informers = new InformerFactory(federation);
    this.routes = routes;
    this.staticRoutes = opts.staticRoutes ?? [];
    this.memoMs = opts.memoMs ?? 1000;
    this.refreshMs = opts.refreshMs ?? 500;
    this.activeMs = opts.activeMs ?? 10_000;
    this.maxActive = opts.maxActive ?? 1024;
    this.routes.set(this.staticRoutes);
    const refresh = (): void => {
      this.refreshRoutes();
      // readiness, region or zone may have changed: no endpoints lookup from before is reused
      this.generation++;
      this.memo.clear();
      this.emit(undefined);
    };
    this.informers
      .for<ClusterLike>(CLUSTERS)
      .addEventHandler({ onAdd: refresh, onUpdate: refresh, onDelete: refresh });
    this.informers.for(SECRETS, { namespace: 'flotilla-system' });
  }

  async start(signal: AbortSignal): Promise<void> {
    this.informers.start(signal);
    this.refreshing = this.refreshLoop(signal);
    await Promise.all([
      this.informers.for(CLUSTERS).waitForSync(signal),
      this.informers.for(SECRETS, { namespace: 'flotilla-system' }).waitForSync(signal),
    ]);
    this.refreshRoutes();
  }

  async stopped(): Promise<void> {
    await this.informers.stopped();
    await this.refreshing;
    for (const c of this.clients.values()) c.client.close();
  }

  /** Every Cluster with its region and zone (Ready or not). */
  topology(): ClusterTopology[] {
    return this.informers.for<ClusterLike>(CLUSTERS).list().map(topologyOf);
  }

  /** See {@link FederatedCatalog.onChange}. */
  onChange(listener: (service?: ServiceRef) => void): void {
    this.listeners.push(listener);
  }

  private emit(service: ServiceRef | undefined): void {
    for (const l of this.listeners) {
      try {
        l(service);
      } catch {
        // a listener only drops cache entries; its failure must not stop the informer or the loop
      }
    }
  }

  /**
   * Member endpoints are read, not watched: every `refreshMs` the services asked for within
   * `activeMs` that exist in some member are read again, and a difference is announced, so a
   * cached answer goes within about `refreshMs` of the member's Endpoints change instead of
   * after its TTL. Names of services that exist nowhere (typos, random labels) are not polled.
   */
  private async refreshLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.refreshMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      const now = Date.now();
      const due: Promise<unknown>[] = [];
      for (const [key, at] of this.asked) {
        if (now - at > this.activeMs) {
          this.asked.delete(key);
          continue;
        }
        const m = this.memo.get(key);
        if (m && !m.exists) continue;
        if (m && now - m.at < this.refreshMs) continue;
        const [namespace = '', name = ''] = key.split('/');
        // errors are absorbed by lookup() (a failing member counts as no endpoints)
        due.push(this.load(namespace, name).catch(() => undefined));
      }
      await Promise.all(due);
    }
  }

  private refreshRoutes(): void {
    const fromClusters: Route[] = this.informers
      .for<ClusterLike>(CLUSTERS)
      .list()
      .flatMap((c) => {
        const dns = c.spec.dns;
        if (!dns) return [];
        const cluster = c.metadata.name ?? '';
        return [dns.zone, ...reverseZones(c)].map((zone) => ({
          zone,
          servers: [dns.server],
          cluster,
        }));
      });
    const norm = (z: string): string => z.toLowerCase().replace(/\.$/, '');
    const clusterZones = new Set(fromClusters.map((r) => norm(r.zone)));
    this.routes.set([
      ...this.staticRoutes.filter((r) => !clusterZones.has(norm(r.zone))),
      ...fromClusters,
    ]);
  }

  private client(c: ClusterLike): RestClient | undefined {
    const secret = this.informers
      .for<KubeObject & { data?: Record<string, string> }>(SECRETS, {
        namespace: 'flotilla-system',
      })
      .get(`${c.spec.secretRef.namespace}/${c.spec.secretRef.name}`);
    if (!secret) return undefined;
    const fp = `${c.spec.apiEndpoint}|${secret.metadata.resourceVersion ?? ''}`;
    const hit = this.clients.get(c.metadata.name ?? '');
    if (hit?.fp === fp) return hit.client;
    hit?.client.close();
    const client = new RestClient({
      server: c.spec.apiEndpoint,
      ...clusterCredentials(secret.data),
      timeoutMs: 2000,
    });
    this.clients.set(c.metadata.name ?? '', { fp, client });
    return client;
  }

  /**
   * Ready endpoints per cluster: every Cluster is listed (so its region is known), with the
   * service's ready addresses for a Ready cluster and none for a NotReady one or on error.
   * Identical concurrent lookups share one in-flight promise; results are memoised for `memoMs`.
   */
  endpoints(namespace: string, service: string): Promise<ClusterEndpoints[]> {
    const key = `${namespace}/${service}`;
    this.asked.delete(key);
    this.asked.set(key, Date.now());
    if (this.asked.size > this.maxActive) {
      const oldest = this.asked.keys().next().value;
      if (oldest !== undefined) this.asked.delete(oldest);
    }
    const m = this.memo.get(key);
    if (m && Date.now() - m.at < this.memoMs) return Promise.resolve(m.value);
    return this.load(namespace, service);
  }

  /** One shared round of member lookups for a service; memoised, a change announced. */
  private async load(namespace: string, service: string): Promise<ClusterEndpoints[]> {
    const key = `${namespace}/${service}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      const generation = this.generation;
      pending = this.lookup(namespace, service)
        .then((found) => {
          const before = this.memo.get(key);
          if (generation === this.generation) this.memo.set(key, { at: Date.now(), ...found });
          if (before && !sameEndpoints(before.value, found.value)) {
            this.emit({ namespace, name: service });
          }
          return found;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return (await pending).value;
  }

  /** The service's ready endpoints per cluster, and whether any member has its Endpoints. */
  private async lookup(
    namespace: string,
    service: string,
  ): Promise<{ value: ClusterEndpoints[]; exists: boolean }> {
    const clusters = this.informers.for<ClusterLike>(CLUSTERS).list();
    let exists = false;
    const value = await Promise.all(
      clusters.map(async (c): Promise<ClusterEndpoints> => {
        const base = topologyOf(c);
        if (!ready(c)) return { ...base, ips: [] };
        try {
          const ep = await this.client(c)
            ?.resource<EndpointsLike>(ENDPOINTS, namespace)
            .get(service);
          if (ep) exists = true;
          return {
            ...base,
            ips: [
              ...new Set((ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip))),
            ],
          };
        } catch {
          // an unreachable member or a missing Endpoints object means "no ready endpoints there";
          // the cluster health controller, not DNS, decides whether the member is down
          return { ...base, ips: [] };
        }
      }),
    );
    return { value, exists };
  }
}
