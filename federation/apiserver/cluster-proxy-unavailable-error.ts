import { ApiError, type ApiErrorOptions } from '../../machinery/errors/index.js';

/** HTTP status of {@link ClusterProxyUnavailableError}. */
const SERVICE_UNAVAILABLE = 503;

/**
 * Thrown by the cluster proxy when the federation cannot reach a member's API server: a Pull-mode
 * cluster (no credentials, an agent syncs it), a missing or incomplete credentials Secret, a
 * member that refuses the connection or does not answer in time. HTTP 503 ServiceUnavailable;
 * retryable: the member may come back (a Pull cluster only by being joined in Push mode).
 */
export class ClusterProxyUnavailableError extends ApiError {
  /** The cluster the request was for. */
  readonly cluster: string;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;

  constructor(
    cluster: string,
    message: string,
    opts: ApiErrorOptions & { retryable?: boolean } = {},
  ) {
    super(SERVICE_UNAVAILABLE, 'ServiceUnavailable', message, {
      ...opts,
      kind: 'clusters',
      group: 'cluster.flotilla.io',
      name: cluster,
    });
    this.name = 'ClusterProxyUnavailableError';
    this.cluster = cluster;
    this.retryable = opts.retryable ?? true;
  }
}
