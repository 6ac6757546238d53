import type { GenericRegistry } from '../registry/generic-registry.js';
import type { ResourceType } from '../resource-type.js';

/** What a {@link ReadOnlyResourceHandler} receives: a GET of one object or of a list. */
export interface ReadOnlyResourceRequest {
  rt: ResourceType;
  /** The namespace of the path; undefined for cluster-scoped resources and all-namespace lists. */
  namespace: string | undefined;
  /** The object's name; undefined for a list. */
  name: string | undefined;
  /** Query parameters (`labelSelector`, `fieldSelector`...). */
  query: Record<string, string>;
  /** The server's stored resources (e.g. the Nodes and Pods a metrics view is computed from). */
  registry: GenericRegistry;
}

/**
 * A resource computed at request time instead of read from storage, as an aggregated API server
 * (metrics-server's `metrics.k8s.io`) serves it: only `get` and `list`, authorized by RBAC like
 * any resource. Resolves to the object or the list; throw ApiErrors (NotFoundError) for failures.
 */
export type ReadOnlyResourceHandler = (req: ReadOnlyResourceRequest) => Promise<unknown>;
