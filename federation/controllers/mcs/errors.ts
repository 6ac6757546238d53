/** Typed errors of the multi-cluster services controller. */

/**
 * Thrown when every address of `--clusterset-ip-range` is taken. Retryable: an import released
 * later frees one (the key is requeued with back-off).
 */
export class ClustersetIpRangeExhaustedError extends Error {
  readonly range: string;
  readonly retryable = true;

  constructor(range: string) {
    super(`cluster-set IP range ${range} is exhausted`);
    this.name = 'ClustersetIpRangeExhaustedError';
    this.range = range;
  }
}

/**
 * Thrown by a reconcile after some members could not be brought in line with the federation's
 * ServiceImport (the others were written). Retryable: the member may come back, and a member
 * turning NotReady takes it out of the cluster set anyway.
 */
export class MemberImportSyncError extends Error {
  /** `namespace/name` of the import. */
  readonly service: string;
  readonly clusters: readonly string[];
  readonly retryable = true;

  constructor(service: string, clusters: readonly string[], cause?: unknown) {
    super(
      `import ${service}: not synced to cluster(s) ${clusters.join(', ')}`,
      cause !== undefined ? { cause } : undefined,
    );
    this.name = 'MemberImportSyncError';
    this.service = service;
    this.clusters = clusters;
  }
}
