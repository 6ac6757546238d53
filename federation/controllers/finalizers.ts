import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { NotFoundError } from '../../machinery/errors/index.js';

/** Finalizer on templates: member objects are cleaned up before the template goes. */
export const FINALIZER_CLEANUP = 'federation.flotilla.io/cleanup';
/** Finalizer on Clusters: the federation's objects are removed from the member before unjoin completes. */
export const FINALIZER_CLUSTER_CLEANUP = 'federation.flotilla.io/cluster-cleanup';
/**
 * Finalizers whose controllers must finish before the garbage collector handles `orphan` /
 * `foregroundDeletion` (they read those to choose how to clean up).
 */
export const FEDERATION_CLEANUP_FINALIZERS: readonly string[] = [
  FINALIZER_CLEANUP,
  FINALIZER_CLUSTER_CLEANUP,
];

/** True when the object carries the finalizer. */
export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

/**
 * Removes finalizers from an object with a merge patch conditional on the cached
 * resourceVersion, so a concurrent change to the list is never overwritten (409 → the caller's
 * reconcile throws and is retried with the fresh object). A vanished object is fine.
 */
export async function removeFinalizers(
  client: KubeClient,
  gvr: GroupVersionResource,
  obj: KubeObject,
  remove: readonly string[],
): Promise<void> {
  const current = obj.metadata.finalizers ?? [];
  const finalizers = current.filter((f) => !remove.includes(f));
  if (finalizers.length === current.length) return;
  await client
    .resource(gvr, obj.metadata.namespace)
    .patch(
      obj.metadata.name ?? '',
      {
        metadata: {
          finalizers,
          ...(obj.metadata.resourceVersion !== undefined
            ? { resourceVersion: obj.metadata.resourceVersion }
            : {}),
        },
      },
      'merge',
    )
    .catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
}

/**
 * Adds a finalizer (conditional on the cached resourceVersion, like {@link removeFinalizers}).
 * @returns the object as patched (or `obj` itself when it already carried the finalizer)
 */
export async function addFinalizer<T extends KubeObject>(
  client: KubeClient,
  gvr: GroupVersionResource,
  obj: T,
  finalizer: string,
): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  return client.resource<T>(gvr, obj.metadata.namespace).patch(
    obj.metadata.name ?? '',
    {
      metadata: {
        finalizers: [...(obj.metadata.finalizers ?? []), finalizer],
        ...(obj.metadata.resourceVersion !== undefined
          ? { resourceVersion: obj.metadata.resourceVersion }
          : {}),
      },
    },
    'merge',
  );
}
