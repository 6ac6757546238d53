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
});
