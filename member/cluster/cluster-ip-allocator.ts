/** Hands out ClusterIPs from 10.96.0.0/16 (virtual addresses: Flotilla never routes to them). */
export class ClusterIpAllocator {
  private readonly used = new Set<string>();
  private next = 10;

  /** Marks addresses already taken (existing Services at start-up). */
  reserve(ip: string): void {
    this.used.add(ip);
  }

  allocate(): string {
    for (let i = 0; i < 65_000; i++) {
      const n = this.next++ % 65_024;
      const ip = `10.96.${String(Math.floor(n / 254))}.${String((n % 254) + 1)}`;
      if (!this.used.has(ip)) {
        this.used.add(ip);
        return ip;
      }
    }
    throw new Error('service ClusterIP range 10.96.0.0/16 is exhausted');
  }
}
