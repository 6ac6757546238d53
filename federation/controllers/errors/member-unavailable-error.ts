import { ApiError } from '../../../machinery/errors/index.js';

/**
 * Thrown by a member client guarded by a circuit breaker ({@link GuardedMemberClient}) when the
 * breaker is open: the member failed (5xx, timeouts, refused connections) too many times in a
 * row, so the call fails at once instead of waiting for it. Always retryable: the caller requeues
 * the item with back-off, and the breaker lets a trial call through after its half-open delay.
 * An HTTP 503 {@link ApiError}, so code that treats 5xx as "member unreachable" keeps doing so.
 */
export class MemberUnavailableError extends ApiError {
  /** The member cluster whose breaker is open. */
  readonly cluster: string;
  /** Always retried (see the class doc). */
  readonly retryable = true;

  constructor(cluster: string, cause?: unknown) {
    super(
      503,
      'ServiceUnavailable',
      `cluster ${cluster}: member API unavailable (circuit open after repeated failures)`,
      cause === undefined ? {} : { cause },
    );
    this.name = 'MemberUnavailableError';
    this.cluster = cluster;
  }
}
