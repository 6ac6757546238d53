import type { KubeObject } from '../meta.js';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../errors/index.js';
import type {
  ObjectStorage,
  StorageListOptions,
  StorageListResult,
  StorageWatch,
} from './object-storage.js';

/**
 * The storage seen by a `dryRun=All` request (Kubernetes' DryRunnableStorage): reads go to the
 * real storage, writes check what the real write would check (existence, resourceVersion
 * preconditions) and return the would-be result without storing anything. Validation, defaulting
 * and admission all run above it in the registry, so the answer is exactly what would be stored.
 */
export class DryRunStorage implements ObjectStorage {
  private readonly inner: ObjectStorage;

  constructor(inner: ObjectStorage) {
    this.inner = inner;
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    if (await this.inner.get(key)) throw new AlreadyExistsError(`${key} already exists`);
    const out = structuredClone(obj);
    delete out.metadata.resourceVersion;
    return out;
  }

  get(key: string): Promise<KubeObject | undefined> {
    return this.inner.get(key);
  }

  list(prefix: string, opts?: StorageListOptions): Promise<StorageListResult> {
    return this.inner.list(prefix, opts);
  }

  async update(key: string, obj: KubeObject, expectedRv: string): Promise<KubeObject> {
    const current = await this.precondition(key, expectedRv);
    const out = structuredClone(obj);
    // nothing was written: the object keeps the version it has
    out.metadata.resourceVersion = current.metadata.resourceVersion ?? expectedRv;
    return out;
  }

  delete(key: string, expectedRv?: string): Promise<KubeObject> {
    return this.precondition(key, expectedRv);
  }

  watch(prefix: string, fromRv: string): StorageWatch {
    return this.inner.watch(prefix, fromRv);
  }

  currentRevision(): Promise<string> {
    return this.inner.currentRevision();
  }

  isStale(obj: KubeObject): boolean {
    return this.inner.isStale?.(obj) ?? false;
  }

  /** Never closes the shared storage it wraps. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private async precondition(key: string, expectedRv: string | undefined): Promise<KubeObject> {
    const current = await this.inner.get(key);
    if (!current) throw new NotFoundError(`${key} not found`);
    if (expectedRv !== undefined && current.metadata.resourceVersion !== expectedRv) {
      throw new ConflictError(`${key} has been modified (expected resourceVersion ${expectedRv})`);
    }
    return current;
  }
}
