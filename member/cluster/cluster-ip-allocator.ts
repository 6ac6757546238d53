import { InvalidError } from '../../federation/machinery/errors/index.js';

/**
 * Hands out Service ClusterIPs from 10.96.0.0/16. They are virtual: Flotilla never routes to
 * them; the cluster DNS answers with them and Endpoints carry the real (node loopback) addresses.
 */
export class ClusterIpAllocator {
  private readonly used = new Set<string>();
  private next = 10;

  /** Marks an address as taken (existing Services at start-up, or a user-chosen clusterIP). */
  reserve(ip: string): void {
    this.used.add(ip);
  }

  /** Returns an address to the pool. */
  release(ip: string): void {
    this.used.delete(ip);
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
        this.used.add(ip);
        return ip;
      }
    }
    throw new InvalidError('service ClusterIP range 10.96.0.0/16 is exhausted', {
      kind: 'Service',
      causes: [{ reason: 'FieldValueInvalid', field: 'spec.clusterIP', message: 'range is full' }],
    });
  }
}
