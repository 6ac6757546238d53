import type { KubeObject } from '../../machinery/meta.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { clusterCredentials } from '../../machinery/client/cluster-credentials.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { InformerFactory } from '../../machinery/informer/index.js';
import type { ClusterEndpoints, FederatedCatalog } from './federated-names.js';
import type { Route, RouteTable } from './route-table.js';

const CLUSTERS = { group: 'cluster.flotilla.io', version: 'v1alpha1', resource: 'clusters' };
const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
const ENDPOINTS = { group: '', version: 'v1', resource: 'endpoints' };

interface ClusterLike extends KubeObject {
  spec: {
    apiEndpoint: string;
    secretRef: { namespace: string; name: string };
    region?: string;
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
  private readonly memo = new Map<string, { at: number; value: ClusterEndpoints[] }>();
  private readonly inflight = new Map<string, Promise<ClusterEndpoints[]>>();
  private readonly staticRoutes: Route[];
  private readonly memoMs: number;

  constructor(federation: KubeClient, routes: RouteTable, opts: ClusterSourcesOptions = {}) {
    this.informers = new InformerFactory(federation);
    this.routes = routes;
    this.staticRoutes = opts.staticRoutes ?? [];
    this.memoMs = opts.memoMs ?? 1000;
    this.routes.set(this.staticRoutes);
    const refresh = (): void => this.refreshRoutes();
    this.informers
      .for<ClusterLike>(CLUSTERS)
      .addEventHandler({ onAdd: refresh, onUpdate: refresh, onDelete: refresh });
    this.informers.for(SECRETS, { namespace: 'flotilla-system' });
  }

  async start(signal: AbortSignal): Promise<void> {
    this.informers.start(signal);
    await Promise.all([
      this.informers.for(CLUSTERS).waitForSync(signal),
      this.informers.for(SECRETS, { namespace: 'flotilla-system' }).waitForSync(signal),
    ]);
    this.refreshRoutes();
  }

  async stopped(): Promise<void> {
    await this.informers.stopped();
    for (const c of this.clients.values()) c.client.close();
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
    const m = this.memo.get(key);
    if (m && Date.now() - m.at < this.memoMs) return Promise.resolve(m.value);
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.lookup(namespace, service)
        .then((value) => {
          this.memo.set(key, { at: Date.now(), value });
          return value;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async lookup(namespace: string, service: string): Promise<ClusterEndpoints[]> {
    const clusters = this.informers.for<ClusterLike>(CLUSTERS).list();
    return Promise.all(
      clusters.map(async (c): Promise<ClusterEndpoints> => {
        const base = {
          cluster: c.metadata.name ?? '',
          ...(c.spec.region ? { region: c.spec.region } : {}),
        };
        if (!ready(c)) return { ...base, ips: [] };
        try {
          const ep = await this.client(c)
            ?.resource<EndpointsLike>(ENDPOINTS, namespace)
            .get(service);
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
  }
}
