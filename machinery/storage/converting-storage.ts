/**
 * A view of a storage in another API version (kube-apiserver serves `events.k8s.io/v1` Events from
 * the core/v1 Event storage): the same keys and revisions, every object converted on its way in
 * and out, so both versions read, write and watch one object.
 */
import type { KubeObject } from '../meta.js';
import type { StorageConversion } from '../resource-type.js';
import type {
  ObjectStorage,
  StorageEvent,
  StorageListOptions,
  StorageListResult,
  StorageWatch,
} from './object-storage.js';
import { copyRequestId } from './stored-request-id.js';

/** {@link ObjectStorage} over `inner` that stores objects converted by `conversion`. */
export class ConvertingStorage implements ObjectStorage {
  private readonly inner: ObjectStorage;
  private readonly conversion: StorageConversion;
  /**
   * The stored object each converted one came from: `isStale` and the request id are remembered
   * per object read (WeakMaps in the inner storage), so they are asked of the original.
   */
  private readonly origin = new WeakMap<KubeObject, KubeObject>();

  constructor(inner: ObjectStorage, conversion: StorageConversion) {
    this.inner = inner;
    this.conversion = conversion;
  }

  private out(stored: KubeObject): KubeObject {
    const obj = this.conversion.fromStorage(stored);
    this.origin.set(obj, stored);
    copyRequestId(stored, obj);
    return obj;
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    return this.out(await this.inner.create(key, this.conversion.toStorage(obj)));
  }

  async get(key: string): Promise<KubeObject | undefined> {
    const stored = await this.inner.get(key);
    return stored && this.out(stored);
  }

  cached(key: string): KubeObject | undefined {
    const stored = this.inner.cached?.(key);
    return stored && this.out(stored);
  }

  async list(prefix: string, opts: StorageListOptions = {}): Promise<StorageListResult> {
    const { filter, ...rest } = opts;
    const res = await this.inner.list(prefix, {
      ...rest,
      // the filter (selectors) speaks this version's fields
      ...(filter ? { filter: (o: KubeObject) => filter(this.conversion.fromStorage(o)) } : {}),
    });
    return { ...res, items: res.items.map((o) => this.out(o)) };
  }

  async update(key: string, obj: KubeObject, expectedRv: string): Promise<KubeObject> {
    return this.out(await this.inner.update(key, this.conversion.toStorage(obj), expectedRv));
  }

  async delete(key: string, expectedRv?: string): Promise<KubeObject> {
    return this.out(await this.inner.delete(key, expectedRv));
  }

  watch(prefix: string, fromRv: string): StorageWatch {
    const w = this.inner.watch(prefix, fromRv);
    const convert = (ev: StorageEvent): StorageEvent => ({
      type: ev.type,
      object: this.out(ev.object),
      ...(ev.previous ? { previous: this.out(ev.previous) } : {}),
    });
    return {
      stop: () => {
        w.stop();
      },
      async *[Symbol.asyncIterator]() {
        for await (const ev of w) yield convert(ev);
      },
    };
  }

  currentRevision(): Promise<string> {
    return this.inner.currentRevision();
  }

  isStale(obj: KubeObject): boolean {
    return this.inner.isStale?.(this.origin.get(obj) ?? obj) ?? false;
  }

  /** Never closes the shared storage it views. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
