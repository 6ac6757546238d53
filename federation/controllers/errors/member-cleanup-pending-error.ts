/**
 * Thrown by a reconcile when federation-managed objects are still left in member clusters (a
 * member is unreachable, or a foreground delete is still running there). The object keeps its
 * finalizer and the key is retried with backoff; a member coming back also requeues it.
 */
export class MemberCleanupPendingError extends Error {
  /** `namespace/name` (or `name`) of the object whose cleanup is pending. */
  readonly object: string;
  /** Clusters that still hold objects to clean up. */
  readonly clusters: readonly string[];
  /** Always retried: the member may come back, or its agent may finish (see the class doc). */
  readonly retryable = true;

  constructor(object: string, clusters: readonly string[], cause?: unknown) {
    super(
      `${object}: cleanup pending in cluster(s) ${clusters.join(', ')}`,
      cause !== undefined ? { cause } : undefined,
    );
    this.name = 'MemberCleanupPendingError';
    this.object = object;
    this.clusters = clusters;
  }
}
