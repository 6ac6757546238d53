/**
 * Thrown by the replicator when a copy job must not run: the request is not approved (a job put
 * into the queue by hand, or a stale one), no ReplicationPolicy allows it, its approval does not
 * satisfy the two-person rule, or its target URL is claimed by more than one Registry. Not
 * retryable: nothing changes between attempts. `keepsPhase` is true when the request is not
 * Approved (Pending, Rejected, Succeeded...): its phase is left alone, so a job put into the queue
 * by hand cannot fail a finished request, and a real approval can still copy a Pending one.
 */
export class PromotionRefusedError extends Error {
  readonly request: string;
  readonly keepsPhase: boolean;
  readonly retryable = false;

  constructor(request: string, message: string, opts: { keepsPhase?: boolean } = {}) {
    super(`refused to copy promotion ${request}: ${message}`);
    this.name = 'PromotionRefusedError';
    this.request = request;
    this.keepsPhase = opts.keepsPhase ?? false;
  }
}
