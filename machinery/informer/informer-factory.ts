import type { GroupVersionResource, KubeObject } from '../meta.js';
import type { KubeClient } from '../client/kube-client.js';
import { SharedInformer } from './shared-informer.js';

/** Shares one informer per (resource, namespace, selectors) and runs them all. */
export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer>();
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
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new SharedInformer({
        client: this.client.resource(gvr, opts.namespace),
        ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
        ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
      });
      this.informers.set(key, inf);
      if (this.signal) this.running.push(inf.run(this.signal));
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Starts every informer (and any created later) until the signal aborts. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const inf of this.informers.values()) this.running.push(inf.run(signal));
  }

  /** Waits for every informer to stop (after the signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.running);
  }
}
