import type { GroupVersionResource, KubeObject } from '../meta.js';
import type { KubeClient } from '../client/kube-client.js';
import { SharedInformer } from './shared-informer.js';

/** Shares one informer per (resource, namespace, selectors) and runs them all. */
export class InformerFactory {
  private readonly informers = new Map<
    string,
    { gvr: GroupVersionResource; inf: SharedInformer }
  >();
  /** Stops the informers {@link InformerFactory.remove} took out (each its own, linked to the run's). */
  private readonly stops = new Map<SharedInformer, AbortController>();
  private readonly client: KubeClient;
  private signal: AbortSignal | undefined;
  private readonly running: Promise<void>[] = [];

  constructor(client: KubeClient) {
    this.client = client;
  }

  /** The informer for a resource (created on first use; started if the factory runs). */
  for<T extends KubeObject = KubeObject>(
    gvr: GroupVersionResource,
    opts: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): SharedInformer<T> {
    const key = JSON.stringify([
      gvr.group,
      gvr.version,
      gvr.resource,
      opts.namespace,
      opts.labelSelector,
      opts.fieldSelector,
    ]);
    let inf = this.informers.get(key)?.inf;
    if (!inf) {
      inf = new SharedInformer({
        client: this.client.resource(gvr, opts.namespace),
        ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
        ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
      });
      this.informers.set(key, { gvr, inf });
      if (this.signal) this.startOne(inf, this.signal);
    }
    return inf as unknown as SharedInformer<T>;
  }

  /**
   * Stops and forgets every informer of a resource (any namespace or selectors): a resource the
   * server no longer serves (a deleted CustomResourceDefinition's kind). A later {@link for}
   * makes a fresh one.
   */
  remove(gvr: GroupVersionResource): void {
    for (const [key, e] of [...this.informers]) {
      if (e.gvr.group !== gvr.group || e.gvr.version !== gvr.version) continue;
      if (e.gvr.resource !== gvr.resource) continue;
      this.informers.delete(key);
      this.stops.get(e.inf)?.abort();
      this.stops.delete(e.inf);
    }
  }

  private startOne(inf: SharedInformer, signal: AbortSignal): void {
    // its own stop (remove) or the factory's (shutdown), whichever comes first
    const own = new AbortController();
    this.stops.set(inf, own);
    const stop = (): void => {
      own.abort();
    };
    if (signal.aborted) own.abort();
    else signal.addEventListener('abort', stop, { once: true });
    this.running.push(
      inf.run(own.signal).finally(() => {
        signal.removeEventListener('abort', stop);
      }),
    );
  }

  /** Starts every informer (and any created later) until the signal aborts. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const { inf } of this.informers.values()) this.startOne(inf, signal);
  }

  /** Waits for every informer to stop (after the signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.running);
  }
}
