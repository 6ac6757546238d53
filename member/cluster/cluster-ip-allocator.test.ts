import { describe, expect, it } from 'vitest';
import { ClusterIpAllocator } from './cluster-ip-allocator.js';

describe('ClusterIpAllocator', () => {
  it('allocates distinct addresses in 10.96.0.0/16, skipping reserved ones', () => {
    const a = new ClusterIpAllocator();
    a.reserve('10.96.0.11');
    const ips = [a.allocate(), a.allocate(), a.allocate()];
    expect(ips).toEqual(['10.96.0.12', '10.96.0.13', '10.96.0.14']);
    expect(ips.every((ip) => a.inRange(ip))).toBe(true);
    expect(a.inRange('10.97.0.1')).toBe(false);
    expect([a.kubernetesIp, a.dnsIp]).toEqual(['10.96.0.1', '10.96.0.10']);
  });

  it('allocates from any IPv4 range, never the network, broadcast, .1 or .10 first', () => {
    const a = new ClusterIpAllocator({ range: '127.16.16.0/28' });
    expect([a.kubernetesIp, a.dnsIp]).toEqual(['127.16.16.1', '127.16.16.10']);
    a.reserve(a.kubernetesIp);
    a.reserve(a.dnsIp);
    const ips = Array.from({ length: 12 }, () => a.allocate());
    expect(ips.slice(0, 4)).toEqual([
      '127.16.16.11',
      '127.16.16.12',
      '127.16.16.13',
      '127.16.16.14',
    ]);
    expect(ips).not.toContain('127.16.16.0');
    expect(ips).not.toContain('127.16.16.15');
    expect(new Set(ips).size).toBe(12);
    expect(() => a.allocate()).toThrow(/exhausted/);
  });

  it('refuses ranges that are not IPv4 /8../28', () => {
    for (const r of ['10.96.0.0/29', '10.96.0.0/7', '10.96.0.1/16', 'fd00::/108', 'x']) {
      expect(() => new ClusterIpAllocator({ range: r })).toThrow(TypeError);
    }
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
