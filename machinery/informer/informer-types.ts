import type { KubeObject } from '../meta.js';

/**
 * Event handlers registered on an informer. Handlers should only enqueue keys (STYLE §7). A
 * handler runs with the request id of the watch event in its log context (`currentRequestId()`
 * of machinery/log): the API request that wrote this version of the object, which
 * `WorkQueue.add` picks up for the key.
 */
export interface InformerHandlers<T extends KubeObject = KubeObject> {
  onAdd?: (obj: T) => void;
  onUpdate?: (oldObj: T, newObj: T) => void;
  onDelete?: (obj: T) => void;
}

/** Read-only view of an informer's cache. Objects are shared: never mutate them (clone first). */
export interface Lister<T extends KubeObject = KubeObject> {
  /** By `namespace/name` (or `name` for cluster-scoped). */
  get(key: string): T | undefined;
  list(namespace?: string): T[];
}
