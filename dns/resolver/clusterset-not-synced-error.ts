/**
 * Thrown for a `clusterset.local` service name asked before the resolver listed the federation's
 * ServiceImports and EndpointSlices: the answer would be a guess, so the resolver replies SERVFAIL
 * (not cached) and the client retries. Retryable: the informers sync on their own.
 */
export class ClusterSetNotSyncedError extends Error {
  /** The name that was asked. */
  readonly qname: string;
  readonly retryable = true;

  constructor(qname: string) {
    super(`clusterset.local is not synced yet: cannot answer ${qname}`);
    this.name = 'ClusterSetNotSyncedError';
    this.qname = qname;
  }
}
