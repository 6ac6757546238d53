import type { Cluster } from '../apis/index.js';
import { RestClient } from '../machinery/client/rest-client.js';
import { NotFoundError, type ApiError } from '../machinery/errors/index.js';
import type { KubeClient } from '../machinery/client/kube-client.js';
import type { Lister } from '../machinery/informer/index.js';
import type { KubeObject } from '../apis/meta.js';

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

/**
 * REST clients for member clusters, built from each Cluster's endpoint and credentials Secret
 * (`token`, optional `caData`, base64 like any Secret data) and cached until either changes.
 */
export class ClusterClients {
  private readonly cache = new Map<string, { fingerprint: string; client: RestClient }>();
  private readonly secrets: Lister;

  constructor(secrets: Lister) {
    this.secrets = secrets;
  }

  /** The client for a cluster. @throws ClusterCredentialsError */
  for(cluster: Cluster): KubeClient & RestClient {
    const name = cluster.metadata.name ?? '';
    const ref = cluster.spec.secretRef;
    const secret = this.secrets.get(`${ref.namespace}/${ref.name}`) as
      (KubeObject & { data?: Record<string, string> }) | undefined;
    if (!secret) {
      throw new ClusterCredentialsError(
        name,
        `credentials secret ${ref.namespace}/${ref.name} not found`,
        new NotFoundError('secret not found'),
      );
    }
    const token = secret.data?.token
      ? Buffer.from(secret.data.token, 'base64').toString('utf8')
      : undefined;
    const caData = secret.data?.caData
      ? Buffer.from(secret.data.caData, 'base64').toString('utf8')
      : undefined;
    const fingerprint = `${cluster.spec.apiEndpoint}|${secret.metadata.resourceVersion ?? ''}`;
    const hit = this.cache.get(name);
    if (hit?.fingerprint === fingerprint) return hit.client;
    hit?.client.close();
    const client = new RestClient({
      server: cluster.spec.apiEndpoint,
      ...(token ? { token } : {}),
      ...(caData ? { caData } : {}),
      timeoutMs: 10_000,
      userAgent: 'flotilla-federation',
    });
    this.cache.set(name, { fingerprint, client });
    return client;
  }

  /** Drops a cluster's client (unjoin). */
  forget(name: string): void {
    this.cache.get(name)?.client.close();
    this.cache.delete(name);
  }

  close(): void {
    for (const { client } of this.cache.values()) client.close();
    this.cache.clear();
  }
}
