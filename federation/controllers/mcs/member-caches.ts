/**
 * Watched caches of the members the MCS controller reads: ServiceExports, Services, Endpoints
 * (what each cluster exports) and the ServiceImports and EndpointSlices the controller wrote
 * there (what it holds), one set of informers per joined push-mode cluster.
 */
import { setMaxListeners } from 'node:events';
import {
  ENDPOINTS,
  ENDPOINTSLICES,
  LABEL_ENDPOINTSLICE_MANAGED_BY,
  LABEL_MCS_SERVICE_NAME,
  MCS_CONTROLLER_NAME,
  SERVICEEXPORTS,
  SERVICEIMPORTS,
  SERVICES,
  type EndpointSlice,
  type Endpoints,
  type Service,
  type ServiceExport,
  type ServiceImport,
} from '../../../api/index.js';
import type { Cluster } from '../../apis/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { Logger } from '../../../machinery/controller/index.js';
import { InformerFactory, type Lister } from '../../../machinery/informer/index.js';
import { objectKey, type KubeObject } from '../../../machinery/meta.js';
import type { SharedInformer } from '../../../machinery/informer/shared-informer.js';
import { LABEL_APP_MANAGED_BY } from './import-writer.js';

/** One member as the controller reads it (all caches synced). */
export interface MemberView {
  exports: Lister<ServiceExport>;
  services: Lister<Service>;
  endpoints: Lister<Endpoints>;
  /** ServiceImports the controller wrote there. */
  imports: Lister<ServiceImport>;
  /** EndpointSlices the controller wrote there. */
  slices: Lister<EndpointSlice>;
}

/** Where the controller finds a member's view: undefined until its caches have synced. */
export interface MemberViews {
  view(cluster: Cluster): MemberView | undefined;
}

/** Options of {@link MemberCaches}. */
export interface MemberCachesOptions {
  clients: { for(cluster: Cluster): KubeClient };
  /** Called with the `namespace/name` an event in a member is about. */
  onChange: (key: string) => void;
  logger: Logger;
}

interface Entry {
  client: KubeClient;
  readiness: string;
  stop: AbortController;
  view: Record<keyof MemberView, SharedInformer>;
}

/** The Ready condition's status and last transition. */
export function readinessOf(c: Cluster): string {
  const r = c.status?.conditions?.find((x) => x.type === 'Ready');
  return `${r?.status ?? ''}|${r?.lastTransitionTime ?? ''}`;
}

/**
 * Member informers, kept in step with the Cluster objects by {@link MemberCaches.sync}: started
 * for each push-mode cluster, started over when its client (endpoint, credentials) or its Ready
 * condition changed (a member that was away is not trusted from what was seen before), stopped
 * when it goes.
 */
export class MemberCaches implements MemberViews {
  private readonly opts: MemberCachesOptions;
  private readonly entries = new Map<string, Entry>();
  private signal: AbortSignal | undefined;
  private readonly running: Promise<void>[] = [];
  /** Why each cluster without a client has none, as last logged (logged again only on change). */
  private readonly missing = new Map<string, string>();

  constructor(opts: MemberCachesOptions) {
    this.opts = opts;
  }

  /** Lets {@link sync} start informers until `signal` aborts. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    signal.addEventListener('abort', () => {
      for (const e of this.entries.values()) e.stop.abort();
      this.entries.clear();
    });
  }

  /** Starts, restarts and stops caches so they match `clusters`. */
  sync(clusters: readonly Cluster[]): void {
    if (!this.signal || this.signal.aborted) return;
    const names = new Set<string>();
    for (const c of clusters) {
      const name = c.metadata.name ?? '';
      if (!c.spec.secretRef || c.metadata.deletionTimestamp) continue;
      let client: KubeClient;
      try {
        client = this.opts.clients.for(c);
      } catch (err) {
        // credentials missing: the cluster is not in the set until they come (every sync runs
        // over all clusters: say it once per cluster and reason, not once per sync)
        const why = String(err);
        if (this.missing.get(name) !== why) {
          this.missing.set(name, why);
          this.opts.logger.warn(`mcs: no client for cluster ${name}: ${why}`);
        }
        continue;
      }
      this.missing.delete(name);
      names.add(name);
      const e = this.entries.get(name);
      if (e && e.client === client && e.readiness === readinessOf(c)) continue;
      e?.stop.abort();
      this.entries.set(name, this.startEntry(client, readinessOf(c)));
    }
    const listed = new Set(clusters.map((c) => c.metadata.name ?? ''));
    for (const name of this.missing.keys()) if (!listed.has(name)) this.missing.delete(name);
    for (const [name, e] of this.entries) {
      if (names.has(name)) continue;
      e.stop.abort();
      this.entries.delete(name);
    }
  }

  /** Resolves once every informer ever started has stopped (after the signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.running);
  }

  view(cluster: Cluster): MemberView | undefined {
    const e = this.entries.get(cluster.metadata.name ?? '');
    if (!e || !Object.values(e.view).every((i) => i.hasSynced())) return undefined;
    return e.view as unknown as MemberView;
  }

  private startEntry(client: KubeClient, readiness: string): Entry {
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    this.signal?.addEventListener('abort', () => stop.abort(), { signal: stop.signal });
    const f = new InformerFactory(client);
    const managedSlices = `${LABEL_ENDPOINTSLICE_MANAGED_BY}=${MCS_CONTROLLER_NAME}`;
    const view = {
      exports: f.for(SERVICEEXPORTS),
      services: f.for(SERVICES),
      endpoints: f.for(ENDPOINTS),
      imports: f.for(SERVICEIMPORTS, {
        labelSelector: `${LABEL_APP_MANAGED_BY}=${MCS_CONTROLLER_NAME}`,
      }),
      slices: f.for(ENDPOINTSLICES, { labelSelector: managedSlices }),
    };
    // slices are about the import their label names; everything else about its own name
    const sliceKey = (o: KubeObject): string =>
      `${o.metadata.namespace ?? ''}/${o.metadata.labels?.[LABEL_MCS_SERVICE_NAME] ?? ''}`;
    for (const [what, inf] of Object.entries(view)) {
      const key = what === 'slices' ? sliceKey : objectKey;
      inf.addEventHandler({
        onAdd: (o) => this.opts.onChange(key(o)),
        onUpdate: (_old, o) => this.opts.onChange(key(o)),
        onDelete: (o) => this.opts.onChange(key(o)),
      });
    }
    f.start(stop.signal);
    this.running.push(f.stopped());
    return { client, readiness, stop, view };
  }
}
