import type { KubeClient } from '../../machinery/client/kube-client.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import { SharedInformer } from '../../machinery/informer/index.js';
import { objectKey, type GroupVersionResource } from '../../machinery/meta.js';
import {
  ENDPOINTSLICES,
  LABEL_MCS_SERVICE_NAME,
  SERVICEIMPORTS,
  type EndpointSlice,
  type ServiceImport,
} from '../../api/index.js';
import type { ClusterSetCatalog } from './clusterset-catalog.js';

/** Options for {@link ClusterSetSources}. */
export interface ClusterSetSourcesOptions {
  /** First retry delay after a failed list or watch (404 included); doubles up to 30 s. @defaultValue 1000 */
  retryMs?: number;
  /** How long {@link ClusterSetSources.start} waits for the first lists. @defaultValue 5000 */
  syncTimeoutMs?: number;
  /** Failures that are retried are reported here. */
  onError?: (err: unknown) => void;
}

/** `namespace/name` of the service a slice belongs to, or undefined without the label. */
function serviceOf(s: EndpointSlice): string | undefined {
  const svc = s.metadata.labels?.[LABEL_MCS_SERVICE_NAME];
  return svc ? `${s.metadata.namespace ?? ''}/${svc}` : undefined;
}

/**
 * Follows the federation's ServiceImports and imported EndpointSlices with two informers and
 * keeps the slices indexed by service. A resource the federation does not serve yet (404) is
 * treated as empty and its informer keeps retrying with back-off, so the resolver starts (and
 * answers NXDOMAIN for every clusterset service) before the multi-cluster types exist.
 */
export class ClusterSetSources implements ClusterSetCatalog {
  private readonly imports: SharedInformer<ServiceImport>;
  private readonly slices: SharedInformer<EndpointSlice>;
  /** `namespace/service` → slice key → slice. */
  private readonly byService = new Map<string, Map<string, EndpointSlice>>();
  /** Resources the federation answered 404 for: listed as empty until their informer syncs. */
  private readonly unserved = new Set<string>();
  private readonly listeners: ((namespace: string, name: string) => void)[] = [];
  private readonly opts: ClusterSetSourcesOptions;
  private running: Promise<void>[] = [];

  constructor(federation: KubeClient, opts: ClusterSetSourcesOptions = {}) {
    this.opts = opts;
    const informer = <T extends ServiceImport | EndpointSlice>(
      gvr: GroupVersionResource,
      labelSelector?: string,
    ): SharedInformer<T> => {
      return new SharedInformer<T>({
        client: federation.resource<T>(gvr),
        ...(labelSelector ? { labelSelector } : {}),
        backoffMs: opts.retryMs ?? 1000,
        onError: (err) => {
          // the type is not served (yet): nothing can be imported; the informer retries
          if (err instanceof NotFoundError) this.unserved.add(gvr.resource);
          opts.onError?.(err);
        },
      });
    };
    this.imports = informer<ServiceImport>(SERVICEIMPORTS);
    this.slices = informer<EndpointSlice>(ENDPOINTSLICES, LABEL_MCS_SERVICE_NAME);
    const changed = (o: ServiceImport): void => {
      this.emit(o.metadata.namespace ?? '', o.metadata.name ?? '');
    };
    this.imports.addEventHandler({
      onAdd: changed,
      onUpdate: (_old, o) => changed(o),
      onDelete: changed,
    });
    this.slices.addEventHandler({
      onAdd: (s) => this.index(undefined, s),
      onUpdate: (old, s) => this.index(old, s),
      onDelete: (s) => this.index(s, undefined),
    });
  }

  /** Starts both informers; resolves once both listed (or were found unserved), or after `syncTimeoutMs`. */
  async start(signal: AbortSignal): Promise<void> {
    this.running = [this.imports.run(signal), this.slices.run(signal)];
    const deadline = Date.now() + (this.opts.syncTimeoutMs ?? 5000);
    while (!this.synced() && !signal.aborted && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for both informers to stop (after the signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.running);
  }

  synced(): boolean {
    return (
      (this.imports.hasSynced() || this.unserved.has(SERVICEIMPORTS.resource)) &&
      (this.slices.hasSynced() || this.unserved.has(ENDPOINTSLICES.resource))
    );
  }

  serviceImport(namespace: string, name: string): ServiceImport | undefined {
    return this.imports.get(`${namespace}/${name}`);
  }

  endpointSlices(namespace: string, name: string): EndpointSlice[] {
    return [...(this.byService.get(`${namespace}/${name}`)?.values() ?? [])];
  }

  onChange(listener: (namespace: string, name: string) => void): void {
    this.listeners.push(listener);
  }

  /** Moves a slice from the service `old` named to the one `now` names, and tells both. */
  private index(old: EndpointSlice | undefined, now: EndpointSlice | undefined): void {
    const before = old ? serviceOf(old) : undefined;
    const after = now ? serviceOf(now) : undefined;
    if (old && before) {
      const m = this.byService.get(before);
      m?.delete(objectKey(old));
      if (m?.size === 0) this.byService.delete(before);
    }
    if (now && after) {
      let m = this.byService.get(after);
      if (!m) this.byService.set(after, (m = new Map<string, EndpointSlice>()));
      m.set(objectKey(now), now);
    }
    for (const key of new Set([before, after])) {
      if (key === undefined) continue;
      const slash = key.indexOf('/');
      this.emit(key.slice(0, slash), key.slice(slash + 1));
    }
  }

  private emit(namespace: string, name: string): void {
    // the informer guards its handlers: a throwing listener is reported, never crashes the watch
    for (const l of this.listeners) l(namespace, name);
  }
}
