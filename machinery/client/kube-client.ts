import type { GroupVersionResource, KubeList, KubeObject, WatchEvent } from '../meta.js';

/** Query options for list (and the selector part of watch). */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

/** Options for watch. */
export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this resourceVersion; omitted = start now with synthetic ADDED events for existing objects. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

/** Options for delete. */
export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Patch content types. */
export type PatchType = 'merge' | 'strategic' | 'json';

/** A running watch: iterate events until `stop()` or the server closes the stream. A 410 arrives as a thrown GoneError. */
export interface Watch<T extends KubeObject = KubeObject> extends AsyncIterable<WatchEvent<T>> {
  stop(): void;
}

/** Typed CRUD + watch on one resource (and namespace, for namespaced resources). */
export interface ResourceClient<T extends KubeObject = KubeObject> {
  get(name: string): Promise<T>;
  list(opts?: ListOptions): Promise<KubeList<T>>;
  create(obj: T): Promise<T>;
  /** Full update; the object's resourceVersion is a precondition (409 Conflict when stale). */
  update(obj: T): Promise<T>;
  /** Update through the `/status` subresource. */
  updateStatus(obj: T): Promise<T>;
  patch(name: string, patch: unknown, type: PatchType): Promise<T>;
  /** Deletes; resolves to the object when it still exists (finalizers pending), else undefined. */
  delete(name: string, opts?: DeleteOptions): Promise<T | undefined>;
  watch(opts?: WatchOptions): Watch<T>;
  /** Any subresource call (e.g. `binding`, `log`, `scale`). */
  subresource<R = unknown>(
    name: string,
    sub: string,
    method: 'GET' | 'PUT' | 'POST',
    body?: unknown,
  ): Promise<R>;
}

/**
 * A client for any Kubernetes-style API server: ours (federation or member) or a real Kubernetes.
 * Errors are the typed classes of `machinery/errors` (NotFoundError, ConflictError, ...).
 */
export interface KubeClient {
  resource<T extends KubeObject = KubeObject>(
    gvr: GroupVersionResource,
    namespace?: string,
  ): ResourceClient<T>;
}
