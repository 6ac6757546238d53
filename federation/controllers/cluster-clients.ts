import { setMaxListeners } from 'node:events';
import type { CircuitBreakerPolicy } from 'cockatiel';
import type { Registry } from 'prom-client';
import type { Cluster } from '../apis/index.js';
import { clusterCredentials } from '../../machinery/client/cluster-credentials.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { NotFoundError, type ApiError } from '../../machinery/errors/index.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { InformerFactory, type Lister } from '../../machinery/informer/index.js';
import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';
import { MemberClientMetrics } from '../../machinery/metrics/member-client-metrics.js';
import {
  breakerState,
  GuardedMemberClient,
  memberBreaker,
  type MemberBreakerOptions,
} from './guarded-member-client.js';

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

/** Options of {@link ClusterClients}. */
export interface ClusterClientsOptions {
  /** Timeout of each member call (not watches). @defaultValue 10000 */
  requestTimeoutMs?: number;
  /** The circuit breaker of each member's guarded client ({@link ClusterClients.guarded}). */
  breaker?: MemberBreakerOptions;
  /** Where the breakers' state goes. @defaultValue none */
  metricsRegistry?: Registry | undefined;
}

/** One cluster's client and the member caches that watch through it. */
interface Entry {
  fingerprint: string;
  client: RestClient;
  /** `client` behind the cluster's circuit breaker. */
  guarded: GuardedMemberClient;
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
  private readonly opts: ClusterClientsOptions;
  /** One breaker per cluster name: kept when the client is rebuilt (credentials rotated). */
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly metrics: MemberClientMetrics;

  constructor(secrets: Lister, opts: ClusterClientsOptions = {}) {
    this.secrets = secrets;
    this.opts = opts;
    this.metrics = new MemberClientMetrics(opts.metricsRegistry);
  }

  /**
   * The plain client for a cluster (health probes, which judge the member themselves).
   * @throws ClusterCredentialsError
   */
  for(cluster: Cluster): KubeClient & RestClient {
    return this.entry(cluster).client;
  }

  /**
   * The cluster's client behind its circuit breaker: while the member keeps failing, calls fail
   * at once with a retryable MemberUnavailableError (see {@link GuardedMemberClient}).
   * @throws ClusterCredentialsError
   */
  guarded(cluster: Cluster): GuardedMemberClient {
    return this.entry(cluster).guarded;
  }

  private breaker(name: string): CircuitBreakerPolicy {
    let b = this.breakers.get(name);
    if (!b) {
      const created = memberBreaker(this.opts.breaker);
      created.onStateChange((s) => {
        this.metrics.breaker(name, breakerState(s));
      });
      this.metrics.breaker(name, 'closed');
      this.breakers.set(name, created);
      b = created;
    }
    return b;
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
      timeoutMs: this.opts.requestTimeoutMs ?? 10_000,
      userAgent: 'flotilla-federation',
    });
    const stop = startable();
    const caches = new InformerFactory(client);
    caches.start(stop.signal);
    const guarded = new GuardedMemberClient(name, client, this.breaker(name));
    const entry: Entry = {
      fingerprint,
      client,
      guarded,
      caches,
      stop,
      readiness: readiness(cluster),
    };
    this.entries.set(name, entry);
    return entry;
  }

  /**
   * Stops every member's caches of a resource the federation no longer propagates (a deleted
   * CustomResourceDefinition's kind): a member cache of a kind it no longer serves would keep
   * relisting with back-off.
   */
  forgetResource(gvr: GroupVersionResource): void {
    for (const e of this.entries.values()) e.caches.remove(gvr);
  }

  /** Drops a cluster's client and caches (unjoin). */
  forget(name: string): void {
    const e = this.entries.get(name);
    if (e) stopEntry(e);
    this.entries.delete(name);
    if (this.breakers.delete(name)) this.metrics.forget(name);
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
