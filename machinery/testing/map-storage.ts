/**
 * An in-memory ObjectStorage for unit tests of registry-level code (admission): create, get,
 * list, update and delete with resourceVersions; no watch.
 */
import { AlreadyExistsError, ConflictError, NotFoundError } from '../errors/index.js';
import type { KubeObject } from '../meta.js';
import type {
  ObjectStorage,
  StorageListOptions,
  StorageListResult,
  StorageWatch,
} from '../storage/object-storage.js';

export class MapStorage implements ObjectStorage {
  readonly objects = new Map<string, KubeObject>();
  private rev = 0;

  private stamp(obj: KubeObject): KubeObject {
    const copy = structuredClone(obj);
    copy.metadata.resourceVersion = String(++this.rev);
    return copy;
  }

  create(key: string, obj: KubeObject): Promise<KubeObject> {
    if (this.objects.has(key)) return Promise.reject(new AlreadyExistsError(`${key} exists`));
    const stored = this.stamp(obj);
    this.objects.set(key, stored);
    return Promise.resolve(structuredClone(stored));
  }

  get(key: string): Promise<KubeObject | undefined> {
    const o = this.objects.get(key);
    return Promise.resolve(o ? structuredClone(o) : undefined);
  }

  list(prefix: string, opts: StorageListOptions = {}): Promise<StorageListResult> {
    const items = [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, o]) => structuredClone(o))
      .filter((o) => opts.filter?.(o) ?? true);
    return Promise.resolve({ items, resourceVersion: String(this.rev) });
  }

  update(key: string, obj: KubeObject, expectedRv: string): Promise<KubeObject> {
    const cur = this.objects.get(key);
    if (!cur) return Promise.reject(new NotFoundError(`${key} not found`));
    if (cur.metadata.resourceVersion !== expectedRv) {
      return Promise.reject(new ConflictError(`${key} changed`));
    }
    const stored = this.stamp(obj);
    this.objects.set(key, stored);
    return Promise.resolve(structuredClone(stored));
  }

  delete(key: string, expectedRv?: string): Promise<KubeObject> {
    const cur = this.objects.get(key);
    if (!cur) return Promise.reject(new NotFoundError(`${key} not found`));
    if (expectedRv !== undefined && cur.metadata.resourceVersion !== expectedRv) {
      return Promise.reject(new ConflictError(`${key} changed`));
    }
    this.objects.delete(key);
    return Promise.resolve(cur);
  }

  watch(): StorageWatch {
    throw new Error('MapStorage does not watch');
  }

  currentRevision(): Promise<string> {
    return Promise.resolve(String(this.rev));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
