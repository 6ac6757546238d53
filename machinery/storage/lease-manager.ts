/**
 * Shares etcd leases between the keys written with a TTL, as kube-apiserver's `leaseManager`
 * does for Events (`--event-ttl`): one lease per TTL is granted with the TTL plus a reuse window
 * and handed to every write while it still has at least the TTL left, so N writes within the
 * window cost one lease grant, not N (etcd keeps every lease in memory and revokes each one
 * separately). A key thus lives between its TTL and its TTL plus the window.
 */

/** Options for {@link LeaseManager}. */
export interface LeaseManagerOptions {
  /** Grants a lease of `ttlSeconds` and resolves to its ID; rejects when etcd refuses or fails. */
  grant: (ttlSeconds: number) => Promise<string>;
  /** The clock, ms. @defaultValue Date.now */
  now?: () => number;
  /** Longest reuse window, seconds (kube-apiserver's default). @defaultValue 60 */
  maxReuseSeconds?: number;
  /** Reuse window as a fraction of the TTL, capped by `maxReuseSeconds`. @defaultValue 0.05 */
  reuseFraction?: number;
}

interface GrantedLease {
  id: string;
  /** Earliest moment etcd may expire it (the grant was asked for no earlier than this − ttl). */
  expiresAt: number;
}

/**
 * Hands out a lease ID for a TTL, reusing the last granted one while it has at least that TTL
 * left. Concurrent callers share one grant in flight; a failed grant fails only the callers that
 * waited for it and the next call tries again.
 */
export class LeaseManager {
  private readonly grantLease: (ttlSeconds: number) => Promise<string>;
  private readonly now: () => number;
  private readonly maxReuseSeconds: number;
  private readonly reuseFraction: number;
  private readonly granted = new Map<number, GrantedLease>();
  private readonly inFlight = new Map<number, Promise<string>>();

  constructor(opts: LeaseManagerOptions) {
    this.grantLease = opts.grant;
    this.now = opts.now ?? Date.now;
    this.maxReuseSeconds = opts.maxReuseSeconds ?? 60;
    this.reuseFraction = opts.reuseFraction ?? 0.05;
  }

  /**
   * The reuse window of a TTL, whole seconds (etcd's TTLs are whole seconds): the fraction of the
   * TTL capped by the maximum, but at least one second, so that short TTLs (tests, a soak) also
   * share leases — kube-apiserver's integer arithmetic would give them none.
   */
  reuseSeconds(ttlSeconds: number): number {
    const window = Math.floor(this.reuseFraction * ttlSeconds);
    return Math.max(1, Math.min(window, this.maxReuseSeconds));
  }

  /**
   * A lease that outlives `ttlSeconds` from now. @throws whatever the grant throws (the caller's
   * write has not happened and may be retried).
   */
  async leaseFor(ttlSeconds: number): Promise<string> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const now = this.now();
    const current = this.granted.get(ttl);
    if (current && current.expiresAt - now >= ttl * 1000) return current.id;
    const pending = this.inFlight.get(ttl);
    if (pending) return pending;
    const total = ttl + this.reuseSeconds(ttl);
    const grant = this.grantLease(total)
      .then((id) => {
        // counted from before the request: etcd's expiry is no earlier than this
        this.granted.set(ttl, { id, expiresAt: now + total * 1000 });
        return id;
      })
      .finally(() => {
        this.inFlight.delete(ttl);
      });
    this.inFlight.set(ttl, grant);
    return grant;
  }

  /** Stops handing out `id` (etcd said it no longer exists); the next write gets a new lease. */
  forget(id: string): void {
    for (const [ttl, lease] of this.granted) {
      if (lease.id === id) this.granted.delete(ttl);
    }
  }
}
