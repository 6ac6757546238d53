import type { KubeObject } from '../../federation/apis/meta.js';
import type { KubeClient } from '../../federation/machinery/client/kube-client.js';
import { RestClient } from '../../federation/machinery/client/rest-client.js';
import { InformerFactory } from '../../federation/machinery/informer/index.js';
import type { ClusterEndpoints, FederatedCatalog } from './federated-names.js';
import type { RouteTable } from './route-table.js';

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

const ready = (c: ClusterLike): boolean =>
  c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true;

/**
 * Follows Cluster objects at the federation API: keeps the resolver's route table equal to the
 * clusters' `spec.dns` (zone → server), and looks up ready endpoints of a service in every Ready
 * member through the member's Kubernetes API (credentials from the Cluster's Secret).
 */
export class ClusterSources implements FederatedCatalog {
  private readonly informers: InformerFactory;
  private readonly routes: RouteTable;
  private readonly clients = new Map<string, { fp: string; client: RestClient }>();
  private readonly memo = new Map<string, { at: number; value: ClusterEndpoints[] }>();

  constructor(federation: KubeClient, routes: RouteTable) {
    this.informers = new InformerFactory(federation);
    this.routes = routes;
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
    this.routes.set(
      this.informers
        .for<ClusterLike>(CLUSTERS)
        .list()
        .filter((c) => c.spec.dns)
        .map((c) => ({
          zone: c.spec.dns?.zone ?? '',
          servers: [c.spec.dns?.server ?? ''],
          cluster: c.metadata.name ?? '',
        })),
    );
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
    const token = secret.data?.token
      ? Buffer.from(secret.data.token, 'base64').toString()
      : undefined;
    const caData = secret.data?.caData
      ? Buffer.from(secret.data.caData, 'base64').toString()
      : undefined;
    const client = new RestClient({
      server: c.spec.apiEndpoint,
      ...(token ? { token } : {}),
      ...(caData ? { caData } : {}),
      timeoutMs: 2000,
    });
    this.clients.set(c.metadata.name ?? '', { fp, client });
    return client;
  }

  /** Ready endpoints per Ready cluster (memoised for one second). */
  async endpoints(namespace: string, service: string): Promise<ClusterEndpoints[]> {
    const key = `${namespace}/${service}`;
    const m = this.memo.get(key);
    if (m && Date.now() - m.at < 1000) return m.value;
    const clusters = this.informers.for<ClusterLike>(CLUSTERS).list().filter(ready);
    const value = await Promise.all(
      clusters.map(async (c): Promise<ClusterEndpoints> => {
        const base = {
          cluster: c.metadata.name ?? '',
          ...(c.spec.region ? { region: c.spec.region } : {}),
        };
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
          return { ...base, ips: [] };
        }
      }),
    );
    this.memo.set(key, { at: Date.now(), value });
    return value;
  }
}
