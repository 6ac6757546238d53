import { describe, expect, it } from 'vitest';
import { PodCidrExhaustedError } from './errors/pod-cidr-exhausted-error.js';
import { PodAddressAllocator } from './pod-address-allocator.js';

describe('PodAddressAllocator', () => {
  it('hands out neither the network address, the gateway (.1) nor the broadcast address', () => {
    const a = new PodAddressAllocator('127.128.0.0/29');
    expect(a.capacity).toBe(5);
    const got = ['p1', 'p2', 'p3', 'p4', 'p5'].map((uid) => a.allocate(uid));
    expect(got).toEqual([
      '127.128.0.2',
      '127.128.0.3',
      '127.128.0.4',
      '127.128.0.5',
      '127.128.0.6',
    ]);
    expect(() => a.allocate('p6')).toThrow(PodCidrExhaustedError);
  });

  it('gives a pod the address it holds again, and a released one to a later pod', () => {
    const a = new PodAddressAllocator('127.128.0.0/30');
    expect(a.allocate('p1')).toBe('127.128.0.2');
    expect(a.allocate('p1')).toBe('127.128.0.2');
    expect(() => a.allocate('p2')).toThrow(PodCidrExhaustedError);
    a.release('p1');
    expect(a.addressOf('p1')).toBeUndefined();
    expect(a.allocate('p2')).toBe('127.128.0.2');
  });

  it('does not reuse a just-released address while others are free (round robin)', () => {
    const a = new PodAddressAllocator('127.128.0.0/28');
    expect(a.allocate('p1')).toBe('127.128.0.2');
    a.release('p1');
    expect(a.allocate('p2')).toBe('127.128.0.3');
  });

  it('recovers addresses pods already have, refusing foreign, reserved and taken ones', () => {
    const a = new PodAddressAllocator('127.128.0.0/26');
    expect(a.recover('p1', '127.128.0.9')).toBe(true);
    expect(a.recover('p1', '127.128.0.9')).toBe(true);
    expect(a.recover('p2', '127.128.0.9')).toBe(false); // held by p1
    expect(a.recover('p1', '127.128.0.10')).toBe(false); // p1 holds another
    expect(a.recover('p3', '127.128.0.1')).toBe(false); // gateway
    expect(a.recover('p3', '127.128.0.63')).toBe(false); // broadcast
    expect(a.recover('p3', '127.0.5.1')).toBe(false); // outside the block
    expect(a.addressOf('p1')).toBe('127.128.0.9');
    expect(a.allocate('p1')).toBe('127.128.0.9');
  });

  it('retains only the pods kept (garbage collection)', () => {
    const a = new PodAddressAllocator('127.128.0.0/26');
    a.allocate('live');
    a.allocate('gone');
    expect(a.retain((uid) => uid === 'live')).toEqual(['gone']);
    expect(a.addressOf('gone')).toBeUndefined();
    expect(a.addressOf('live')).toBe('127.128.0.2');
  });
});
