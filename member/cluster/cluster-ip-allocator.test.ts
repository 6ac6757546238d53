import { describe, expect, it } from 'vitest';
import { ClusterIpAllocator } from './cluster-ip-allocator.js';

describe('ClusterIpAllocator', () => {
  it('allocates distinct addresses in 10.96.0.0/16, skipping reserved ones', () => {
    const a = new ClusterIpAllocator();
    a.reserve('10.96.0.11');
    const ips = [a.allocate(), a.allocate(), a.allocate()];
    expect(ips).toEqual(['10.96.0.12', '10.96.0.13', '10.96.0.14']);
    expect(ips.every((ip) => ClusterIpAllocator.inRange(ip))).toBe(true);
    expect(ClusterIpAllocator.inRange('10.97.0.1')).toBe(false);
  });

  it('releases addresses unused for longer than the grace, keeping young and used ones', () => {
    let now = 0;
    const a = new ClusterIpAllocator({ now: () => now });
    const [old, used] = [a.allocate(), a.allocate()];
    now = 10_000;
    const young = a.allocate();
    now = 15_000;
    expect(a.releaseUnused(new Set([used]), 10_000)).toEqual([old]);
    expect([a.isUsed(old), a.isUsed(used), a.isUsed(young)]).toEqual([false, true, true]);
    a.release(used);
    expect(a.size).toBe(1);
  });
});
