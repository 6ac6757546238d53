import { objectKey, type KubeObject } from '../meta.js';
import type { ResourceClient } from '../client/kube-client.js';
import { GoneError } from '../errors/index.js';
import { runWithLogContext } from '../log/log-context.js';
import type { InformerHandlers, Lister } from './informer-types.js';

/** Options for {@link SharedInformer}. */
export interface SharedInformerOptions<T extends KubeObject> {
  client: ResourceClient<T>;
  labelSelector?: string;
  fieldSelector?: string;
  /** Calls onUpdate for every cached object this often (0 = never). @defaultValue 0 */
  resyncMs?: number;
  /** First reconnect delay after a failure; doubles up to 30 s. @defaultValue 200 */
  backoffMs?: number;
  /** Errors that are retried are reported here. */
  onError?: (err: unknown) => void;
  /**
   * Seconds each watch asks the server to keep it open; the informer then watches again from
   * its last resourceVersion. As client-go's reflector: a random 5–10 min, so that watches
   * re-establish now and then (on another API server, or on the watch cache after it restarted)
   * and not all at once. @defaultValue random in [300, 600)
   */
  watchTimeoutSeconds?: () => number;
}

/** client-go's reflector: a watch lasts minWatchTimeout (5 min) × (1 + a random fraction). */
function reflectorWatchTimeout(): number {
  return Math.floor(300 * (1 + Math.random()));
}

/**
 * Keeps a local cache of one resource in sync with the server: list, then watch from the list's
 * resourceVersion; on 410 Gone it relists and emits the difference (so deletions that happened
 * while disconnected are seen); other failures back off and re-watch from the last resourceVersion.
 * Handlers see events in server order; updates whose resourceVersion did not change are dropped.
 */
export class SharedInformer<T extends KubeObject = KubeObject> implements Lister<T> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly opts: SharedInformerOptions<T>;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private lastRv = '';

  constructor(opts: SharedInformerOptions<T>) {
    this.opts = opts;
  }

  addEventHandler(h: InformerHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const obj of this.cache.values()) this.safe(() => h.onAdd?.(obj));
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list has been applied (or the signal aborts). */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => {
        resolve();
      });
    });
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  private emitAdd(obj: T): void {
    for (const h of this.handlers) this.safe(() => h.onAdd?.(obj));
  }

  private emitUpdate(old: T, obj: T): void {
    for (const h of this.handlers) this.safe(() => h.onUpdate?.(old, obj));
  }

  private emitDelete(obj: T): void {
    for (const h of this.handlers) this.safe(() => h.onDelete?.(obj));
  }

  private apply(type: string, obj: T): void {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      this.cache.delete(key);
      this.emitDelete(old ?? obj);
      return;
    }
    this.cache.set(key, obj);
    if (!old) this.emitAdd(obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
      this.emitUpdate(old, obj);
    }
  }

  private async relist(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.opts.client.list({
        ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}),
        ...(this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {}),
        limit: 500,
        ...(cont ? { continue: cont } : {}),
      });
      items.push(...page.items);
      cont = page.metadata.continue;
      rv = page.metadata.resourceVersion ?? rv;
    } while (cont);
    const seen = new Set<string>();
    // a list carries no request ids: the handlers run without one
    runWithLogContext({ requestId: undefined }, () => {
      for (const obj of items) {
        seen.add(objectKey(obj));
        this.apply('ADDED', obj);
      }
      for (const [key, obj] of [...this.cache]) if (!seen.has(key)) this.apply('DELETED', obj);
    });
    this.lastRv = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** Runs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let backoff = this.opts.backoffMs ?? 200;
    let needList = true;
    const resync = this.opts.resyncMs ?? 0;
    const timer =
      resync > 0
        ? setInterval(() => {
            for (const obj of this.cache.values()) this.emitUpdate(obj, obj);
          }, resync)
        : undefined;
    try {
      while (!signal.aborted) {
        try {
          if (needList) {
            await this.relist();
            needList = false;
          }
          const w = this.opts.client.watch({
            resourceVersion: this.lastRv,
            allowWatchBookmarks: true,
            timeoutSeconds: (this.opts.watchTimeoutSeconds ?? reflectorWatchTimeout)(),
            ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}),
            ...(this.opts.fieldSelector ? { fieldSelector: this.opts.fieldSelector } : {}),
          });
          const onAbort = (): void => {
            w.stop();
          };
          signal.addEventListener('abort', onAbort);
          try {
            for await (const ev of w) {
              backoff = this.opts.backoffMs ?? 200;
              const rv = ev.object.metadata.resourceVersion;
              if (rv) this.lastRv = rv;
              if (ev.type === 'BOOKMARK') continue;
              // handlers run with the request that wrote the object in their log context (or
              // none, never one the informer happened to be started in): a controller's queue
              // picks it up (WorkQueue.add), and so does every line logged
              runWithLogContext({ requestId: ev.requestId }, () => {
                this.apply(ev.type, ev.object);
              });
            }
          } finally {
            signal.removeEventListener('abort', onAbort);
          }
        } catch (err) {
          if (signal.aborted) break;
          if (err instanceof GoneError) {
            needList = true;
            continue;
          }
          this.opts.onError?.(err);
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 30_000);
        }
      }
    } finally {
      if (timer) clearInterval(timer);
    }
  }
}
