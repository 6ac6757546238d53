import type { KubeObject } from '../meta.js';

/** A change seen by a storage watch. `object.metadata.resourceVersion` is the revision of the change. */
export interface StorageEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  /** The previous value for MODIFIED/DELETED (used for selector transitions). */
  previous?: KubeObject;
}

/** A running storage watch; iterating throws GoneError when the start revision was compacted. */
export interface StorageWatch extends AsyncIterable<StorageEvent> {
  stop(): void;
}

/** One page of a list. */
export interface StorageListResult {
  items: KubeObject[];
  /** Snapshot revision the page was read at. */
  resourceVersion: string;
  /** Opaque token for the next page; undefined on the last page. */
  continue?: string;
  remainingItemCount?: number;
}

/** Options for {@link ObjectStorage.list}. */
export interface StorageListOptions {
  limit?: number;
  continue?: string;
  /** Keeps only matching objects; pagination counts matching objects. */
  filter?: (obj: KubeObject) => boolean;
  /**
   * `"0"`: any state not older than one the server has seen will do (Kubernetes' list semantics
   * for resourceVersion=0): a watch cache may answer from memory. Unset: a consistent read.
   */
  resourceVersion?: string;
}

/**
 * Key-value storage of serialized objects with revisions (etcd semantics): every write gets a
 * store-wide increasing revision which becomes the object's `resourceVersion`.
 * Throws: AlreadyExistsError (create of an existing key), NotFoundError, ConflictError (stale
 * expected revision), GoneError (compacted revision), InternalError (backend unavailable).
 */
export interface ObjectStorage {
  create(key: string, obj: KubeObject): Promise<KubeObject>;
  get(key: string): Promise<KubeObject | undefined>;
  /**
   * The object at `key` as a watch cache last saw it (deeply frozen, possibly stale), or undefined
   * when not cached: a starting point for a read-modify-write whose conditional write checks it.
   */
  cached?(key: string): KubeObject | undefined;
  list(prefix: string, opts?: StorageListOptions): Promise<StorageListResult>;
  /** Replaces the value iff its current resourceVersion equals `expectedRv`. */
  update(key: string, obj: KubeObject, expectedRv: string): Promise<KubeObject>;
  /** Deletes iff current resourceVersion equals `expectedRv` (when given); returns the deleted object. */
  delete(key: string, expectedRv?: string): Promise<KubeObject>;
  /** Watches keys under `prefix` for changes after revision `fromRv`. */
  watch(prefix: string, fromRv: string): StorageWatch;
  /** The store's current revision. */
  currentRevision(): Promise<string>;
  /**
   * True when `obj` (as returned by get/list) was read from bytes that are not in the current
   * storage format, e.g. encrypted with a key that is no longer the first one; an update that
   * changes nothing must still rewrite such an object (encryption key rotation).
   */
  isStale?(obj: KubeObject): boolean;
  close(): Promise<void>;
}
