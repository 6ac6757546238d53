import { InvalidError } from '../../machinery/errors/index.js';

/** Options for {@link ClusterIpAllocator}. */
export interface ClusterIpAllocatorOptions {
  /** Clock for reservation times. @defaultValue Date.now */
  now?: () => number;
}

/**
 * Hands out Service ClusterIPs from 10.96.0.0/16. They are virtual: Flotilla never routes to
 * them; the cluster DNS answers with them and Endpoints carry the real (node loopback) addresses.
 * Addresses go back to the pool through `release` (a create refused by validation) and
 * `releaseUnused` (the repair controller: deleted Services and writes that failed later).
 */
export class ClusterIpAllocator {
  /** address → when it was last reserved or allocated. */
  private readonly used = new Map<string, number>();
  private readonly now: () => number;
  private next = 10;

  constructor(opts: ClusterIpAllocatorOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  /** Marks an address as taken (existing Services at start-up, or a user-chosen clusterIP). */
  reserve(ip: string): void {
    this.used.set(ip, this.now());
  }

  /** Returns an address to the pool. */
  release(ip: string): void {
    this.used.delete(ip);
  }

  /** True when the address is allocated or reserved. */
  isUsed(ip: string): boolean {
    return this.used.has(ip);
  }

  /** Number of addresses in use. */
  get size(): number {
    return this.used.size;
  }

  /**
   * Releases every address not in `inUse` that was reserved more than `graceMs` ago (younger ones
   * may belong to a create still on its way to storage or to the caller's cache); returns them.
   */
  releaseUnused(inUse: ReadonlySet<string>, graceMs: number): string[] {
    const cutoff = this.now() - graceMs;
    const freed: string[] = [];
    for (const [ip, at] of this.used) {
      if (!inUse.has(ip) && at <= cutoff) {
        this.used.delete(ip);
        freed.push(ip);
      }
    }
    return freed;
  }

  /** True when `ip` lies in the service range. */
  static inRange(ip: string): boolean {
    const m = /^10\.96\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
    return m !== null && Number(m[1]) <= 255 && Number(m[2]) <= 255;
  }

  /** The next free address; throws InvalidError when the range is exhausted. */
  allocate(): string {
    for (let i = 0; i < 65_024; i++) {
      const n = this.next++ % 65_024;
      const ip = `10.96.${String(Math.floor(n / 254))}.${String((n % 254) + 1)}`;
      if (!this.used.has(ip)) {
        this.used.set(ip, this.now());
        return ip;
      }
    }
    throw new InvalidError('service ClusterIP range 10.96.0.0/16 is exhausted', {
      kind: 'Service',
      causes: [{ reason: 'FieldValueInvalid', field: 'spec.clusterIP', message: 'range is full' }],
    });
  }
}
