import type { Backend } from './service-table.js';

/** Options for {@link LoadBalancer}. */
export interface LoadBalancerOptions {
  /** Clock for affinity expiry. @defaultValue Date.now */
  now?: () => number;
}

const id = (b: Backend): string => `${b.ip}:${String(b.port)}`;

/**
 * Picks the backend of each new connection or UDP session for one frontend: round robin over the
 * ready backends, or, with ClientIP affinity, the backend a client used last while that was less
 * than the timeout ago and it is still ready (kube-proxy's userspace round robin). Backends can be
 * replaced at any time; the rotation and the live affinities carry over.
 */
export class LoadBalancer {
  private backends: Backend[] = [];
  private next = 0;
  private affinityMs: number | undefined;
  /** client IP → backend id and when the client last used it. */
  private readonly sticky = new Map<string, { backend: string; at: number }>();
  private readonly now: () => number;

  constructor(opts: LoadBalancerOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  /** Replaces the backends and the affinity timeout (undefined: no affinity). */
  update(backends: readonly Backend[], affinityMs: number | undefined): void {
    this.backends = [...backends];
    if (affinityMs !== this.affinityMs) this.sticky.clear();
    this.affinityMs = affinityMs;
    if (this.next >= this.backends.length) this.next = 0;
  }

  /** Number of ready backends. */
  get size(): number {
    return this.backends.length;
  }

  /**
   * The backend for a new connection from `clientIp`, skipping `tried` (backends that already
   * refused this connection); undefined when none is left.
   */
  pick(clientIp: string, tried: ReadonlySet<string> = new Set()): Backend | undefined {
    const now = this.now();
    if (this.affinityMs !== undefined) {
      const s = this.sticky.get(clientIp);
      if (s && now - s.at < this.affinityMs && !tried.has(s.backend)) {
        const b = this.backends.find((x) => id(x) === s.backend);
        if (b) {
          s.at = now;
          return b;
        }
      }
    }
    for (let i = 0; i < this.backends.length; i++) {
      const b = this.backends[(this.next + i) % this.backends.length];
      if (b === undefined || tried.has(id(b))) continue;
      this.next = (this.next + i + 1) % this.backends.length;
      if (this.affinityMs !== undefined) this.sticky.set(clientIp, { backend: id(b), at: now });
      return b;
    }
    return undefined;
  }

  /** Drops affinities idle for longer than the timeout (called periodically). */
  expire(): void {
    if (this.affinityMs === undefined) return;
    const cutoff = this.now() - this.affinityMs;
    for (const [ip, s] of this.sticky) if (s.at <= cutoff) this.sticky.delete(ip);
  }
}

/** `ip:port` of a backend (the key {@link LoadBalancer.pick}'s `tried` set holds). */
export function backendId(b: Backend): string {
  return id(b);
}
