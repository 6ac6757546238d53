/** Options for {@link LoginRateLimiter}. */
export interface LoginRateLimiterOptions {
  /** Failed logins allowed per client address within `windowMs`. @defaultValue 10 */
  maxFailures?: number;
  /** @defaultValue 10000 */
  windowMs?: number;
  /** Addresses tracked at once; the oldest are forgotten beyond it. @defaultValue 10000 */
  maxAddresses?: number;
  now?: () => number;
}

/**
 * Counts failed logins per client address in a sliding window. Once an address has failed
 * `maxFailures` times within `windowMs`, its further credential checks are refused (429) until the
 * oldest failure leaves the window, so a token cannot be guessed at network speed. The map is
 * bounded: a flood of spoofed-looking addresses costs memory only up to `maxAddresses`.
 */
export class LoginRateLimiter {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;
  /** Address → times of its recent failures, oldest first (at most maxFailures kept). */
  private readonly failures = new Map<string, number[]>();

  constructor(opts: LoginRateLimiterOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 10;
    this.windowMs = opts.windowMs ?? 10_000;
    this.maxAddresses = opts.maxAddresses ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  private recent(address: string, now: number): number[] {
    const times = (this.failures.get(address) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length === 0) this.failures.delete(address);
    else this.failures.set(address, times);
    return times;
  }

  /** Seconds the address must wait before its next login attempt, or undefined when it may try. */
  retryAfterSeconds(address: string): number | undefined {
    const now = this.now();
    const times = this.recent(address, now);
    if (times.length < this.maxFailures) return undefined;
    const oldest = times[times.length - this.maxFailures] ?? now;
    return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
  }

  /** Records a failed login from the address. */
  recordFailure(address: string): void {
    const now = this.now();
    const times = this.recent(address, now);
    times.push(now);
    // re-insert so Map order is least-recently-failed first, the eviction order below
    this.failures.delete(address);
    this.failures.set(address, times.slice(-this.maxFailures));
    while (this.failures.size > this.maxAddresses) {
      const first = this.failures.keys().next();
      if (first.done === true) break;
      this.failures.delete(first.value);
    }
  }
}
