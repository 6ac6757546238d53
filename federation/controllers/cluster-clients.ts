import { setMaxListeners } from 'node:events';
import type { Cluster } from '../apis/index.js';
import { clusterCredentials } from '../../machinery/client/cluster-credentials.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { NotFoundError, type ApiError } from '../../machinery/errors/index.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { InformerFactory, type Lister } from '../../machinery/informer/index.js';
import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';

/** Namespace holding member credentials. */
export const FEDERATION_SYSTEM_NAMESPACE = 'flotilla-system';

/** Thrown when a Cluster's credentials Secret is missing or incomplete. */
export class ClusterCredentialsError extends Error {
  readonly cluster: string;

  constructor(cluster: string, message: string, cause?: ApiError) {
    super(`cluster ${cluster}: ${message}`, cause ? { cause } : undefined);
    this.name = 'ClusterCredentialsError';
    this.cluster = cluster;
  }
}

/** One cluster's client and the member caches that watch through it. */
interface Entry {
  fingerprint: string;
  client: RestClient;
  /** Member informers, created on first use; stopped with the client. */
  caches: InformerFactory;
  stop: AbortController;
  /** The cluster's Ready condition when the caches were started (see {@link readiness}). */
  readiness: string;
}

/**
 * REST clients for member clusters, built from each Cluster's endpoint and credentials Secret
 * (`token` or `clientCertData` + `clientKeyData`, optional `caData`, base64 like any Secret data)
 * and cached until either changes.
 * Each client can also keep informers on the member ({@link ClusterClients.cache}), which live
 * and die with it.
 */
export class ClusterClients {
  private readonly entries = new Map<string, Entry>();
  private readonly secrets: Lister;

  constructor(secrets: Lister) {
    this.secrets = secrets;
  }

  /** The client for a cluster. @throws ClusterCredentialsError */
  for(cluster: Cluster): KubeClient & RestClient {
    return this.entry(cluster).client;
  }

  /**
   * A watched cache of one member resource (all namespaces, restricted to `labelSelector`),
   * started on first use. Undefined until its first list has completed, so callers fall back to
   * reading the member directly. The cache follows the member with the watch's delay: use it to
   * skip reads, and let writes (resourceVersion preconditions, AlreadyExists) catch staleness.
   * The caches of a cluster start over (fresh list) whenever its Ready condition changed since
   * they were started, so a member that was away is not trusted from what was seen before.
   * @throws ClusterCredentialsError
   */
  cache<T extends KubeObject = KubeObject>(
    cluster: Cluster,
    gvr: GroupVersionResource,
    labelSelector: string,
  ): Lister<T> | undefined {
    const e = this.entry(cluster);
    const r = readiness(cluster);
    if (e.readiness !== r) {
      e.stop.abort();
      e.stop = startable();
      e.caches = new InformerFactory(e.client);
      e.caches.start(e.stop.signal);
      e.readiness = r;
    }
    const inf = e.caches.for<T>(gvr, { labelSelector });
    return inf.hasSynced() ? inf : undefined;
  }

  private entry(cluster: Cluster): Entry {
    const name = cluster.metadata.name ?? '';
    const ref = cluster.spec.secretRef;
    if (!ref) {
      // Pull clusters: the federation holds no credentials and never calls the member
      throw new ClusterCredentialsError(
        name,
        'has no secretRef (syncMode Pull: an agent syncs it)',
      );
    }
    const secret = this.secrets.get(`${ref.namespace}/${ref.name}`) as
      (KubeObject & { data?: Record<string, string> }) | undefined;
    if (!secret) {
      throw new ClusterCredentialsError(
        name,
        `credentials secret ${ref.namespace}/${ref.name} not found`,
        new NotFoundError('secret not found'),
      );
    }
    const fingerprint = `${cluster.spec.apiEndpoint}|${secret.metadata.resourceVersion ?? ''}`;
    const hit = this.entries.get(name);
    if (hit?.fingerprint === fingerprint) return hit;
    if (hit) stopEntry(hit);
    const client = new RestClient({
      server: cluster.spec.apiEndpoint,
      // members joined from a client-certificate kubeconfig (x509) store the PEM pair instead
      ...clusterCredentials(secret.data),
      timeoutMs: 10_000,
      userAgent: 'flotilla-federation',
    });
    const stop = startable();
    const caches = new InformerFactory(client);
    caches.start(stop.signal);
    const entry: Entry = { fingerprint, client, caches, stop, readiness: readiness(cluster) };
    this.entries.set(name, entry);
    return entry;
  }

  /** Drops a cluster's client and caches (unjoin). */
  forget(name: string): void {
    const e = this.entries.get(name);
    if (e) stopEntry(e);
    this.entries.delete(name);
  }

  close(): void {
    for (const e of this.entries.values()) stopEntry(e);
    this.entries.clear();
  }
}

/** An AbortController for a set of informers (one listener per informer and watch). */
function startable(): AbortController {
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  return stop;
}

/** The Ready condition's status and last transition. */
function readiness(c: Cluster): string {
  const r = c.status?.conditions?.find((x) => x.type === 'Ready');
  return `${r?.status ?? ''}|${r?.lastTransitionTime ?? ''}`;
}

function stopEntry(e: Entry): void {
  e.stop.abort();
  e.client.close();
}
