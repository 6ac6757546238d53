// LeaseManager: one grant per TTL and reuse window, shared by concurrent writes; a failed grant
// fails its writes only; a forgotten lease is replaced.
import { describe, expect, it } from 'vitest';
import { LeaseManager } from './lease-manager.js';

function manager(failFirst = false): {
  leases: LeaseManager;
  grants: number[];
  clock: { now: number };
} {
  const grants: number[] = [];
  const clock = { now: 1_000_000 };
  let fail = failFirst;
  const leases = new LeaseManager({
    now: () => clock.now,
    grant: (ttl) => {
      grants.push(ttl);
      if (fail) {
        fail = false;
        return Promise.reject(new Error('etcd unavailable'));
      }
      return Promise.resolve(`lease-${String(grants.length)}`);
    },
  });
  return { leases, grants, clock };
}

describe('LeaseManager', () => {
  it('grants ttl + window once and reuses it while at least ttl is left', async () => {
    const { leases, grants, clock } = manager();
    const ids = await Promise.all(Array.from({ length: 100 }, () => leases.leaseFor(3600)));
    expect(new Set(ids)).toEqual(new Set(['lease-1']));
    // 5 % of an hour, capped at 60 s
    expect(grants).toEqual([3660]);
    clock.now += 60_000;
    expect(await leases.leaseFor(3600)).toBe('lease-1');
    clock.now += 1;
    expect(await leases.leaseFor(3600)).toBe('lease-2');
    expect(grants).toEqual([3660, 3660]);
  });

  it('gives short TTLs a window of one second, and each TTL its own lease', async () => {
    const { leases, grants } = manager();
    expect(leases.reuseSeconds(2)).toBe(1);
    expect(leases.reuseSeconds(300)).toBe(15);
    await leases.leaseFor(2);
    await leases.leaseFor(300);
    expect(grants).toEqual([3, 315]);
  });

  it('fails the writes waiting for a failed grant; the next write grants again', async () => {
    const { leases, grants } = manager(true);
    const waiting = [leases.leaseFor(60), leases.leaseFor(60)];
    for (const w of waiting) await expect(w).rejects.toThrow('etcd unavailable');
    expect(await leases.leaseFor(60)).toBe('lease-2');
    expect(grants).toHaveLength(2);
  });

  it('replaces a lease etcd no longer knows', async () => {
    const { leases } = manager();
    const id = await leases.leaseFor(60);
    leases.forget(id);
    expect(await leases.leaseFor(60)).not.toBe(id);
  });
});
