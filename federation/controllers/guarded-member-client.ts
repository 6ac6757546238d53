/**
 * A member cluster's client behind a circuit breaker: once a member failed a number of calls in a
 * row (5xx, timeouts, refused connections), calls fail at once with a retryable
 * {@link MemberUnavailableError} instead of each waiting for its timeout, until a trial call after
 * the half-open delay succeeds. Keeps a failing member from tying up the workers that serve it.
 */
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { KubeClient, ResourceClient } from '../../machinery/client/kube-client.js';
import { ApiError } from '../../machinery/errors/index.js';
import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';
import { MemberUnavailableError } from './errors/index.js';

/** How a member's circuit breaker opens and recovers. */
export interface MemberBreakerOptions {
  /** Consecutive failed calls that open the breaker. @defaultValue 5 */
  failureThreshold?: number;
  /** How long an open breaker fails calls at once before it lets a trial call through. @defaultValue 5000 */
  halfOpenAfterMs?: number;
}

/** The state of a member's breaker, as the metrics and logs name it. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * True when an error says the member itself is in trouble (counts against its breaker): no
 * response (transport errors, timeouts) or a 5xx. 4xx answers (NotFound, Conflict, Invalid, 429)
 * come from a member that works, and never open the breaker.
 */
export function isMemberFailure(err: unknown): boolean {
  if (err instanceof MemberUnavailableError) return false;
  return !(err instanceof ApiError) || err.code >= 500;
}

/** A circuit breaker for one member's calls (see {@link MemberBreakerOptions}). */
export function memberBreaker(opts: MemberBreakerOptions = {}): CircuitBreakerPolicy {
  return circuitBreaker(handleWhen(isMemberFailure), {
    halfOpenAfter: opts.halfOpenAfterMs ?? 5000,
    breaker: new ConsecutiveBreaker(opts.failureThreshold ?? 5),
  });
}

/** The name of a cockatiel circuit state. */
export function breakerState(s: CircuitState): BreakerState {
  if (s === CircuitState.Closed) return 'closed';
  return s === CircuitState.HalfOpen ? 'half-open' : 'open';
}

/**
 * A {@link KubeClient} whose calls (all but `watch`, which informers retry on their own) go
 * through `breaker`. Per-call timeouts are the inner client's (`RestClient` `timeoutMs`): a call
 * that times out counts as a failure.
 */
export class GuardedMemberClient implements KubeClient {
  /** The member's API endpoint. */
  readonly server: string;
  /** The member cluster's name. */
  readonly cluster: string;
  private readonly inner: KubeClient;
  private readonly breaker: CircuitBreakerPolicy;

  constructor(
    cluster: string,
    inner: KubeClient & { server: string },
    breaker: CircuitBreakerPolicy,
  ) {
    this.cluster = cluster;
    this.server = inner.server;
    this.inner = inner;
    this.breaker = breaker;
  }

  /** The breaker's current state. */
  get state(): BreakerState {
    return breakerState(this.breaker.state);
  }

  /** Runs one call through the breaker. @throws MemberUnavailableError while it is open */
  async call<R>(fn: () => Promise<R>): Promise<R> {
    try {
      return await this.breaker.execute(fn);
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw new MemberUnavailableError(this.cluster, err);
      throw err;
    }
  }

  resource<T extends KubeObject = KubeObject>(
    gvr: GroupVersionResource,
    namespace?: string,
  ): ResourceClient<T> {
    const rc = this.inner.resource<T>(gvr, namespace);
    return {
      get: (name) => this.call(() => rc.get(name)),
      list: (o) => this.call(() => rc.list(o)),
      create: (obj) => this.call(() => rc.create(obj)),
      update: (obj) => this.call(() => rc.update(obj)),
      updateStatus: (obj) => this.call(() => rc.updateStatus(obj)),
      patch: (name, patch, type) => this.call(() => rc.patch(name, patch, type)),
      delete: (name, o) => this.call(() => rc.delete(name, o)),
      watch: (o) => rc.watch(o),
      subresource: <R>(name: string, sub: string, method: 'GET' | 'PUT' | 'POST', body?: unknown) =>
        this.call(() => rc.subresource<R>(name, sub, method, body)),
    };
  }
}
