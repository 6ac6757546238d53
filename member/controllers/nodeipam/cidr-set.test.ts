import { describe, expect, it } from 'vitest';
import { clusterCidrProblems, formatIpv4, parseCidr, parseIpv4 } from './cidr.js';
import { CidrSet } from './cidr-set.js';
import { CidrOutOfRangeError, CidrSetExhaustedError } from './errors.js';

describe('cidr', () => {
  it('parses and formats IPv4 addresses and CIDRs', () => {
    expect(formatIpv4(parseIpv4('127.16.24.1') ?? 0)).toBe('127.16.24.1');
    expect(parseIpv4('127.16.24')).toBeUndefined();
    expect(parseIpv4('127.016.0.1')).toBeUndefined();
    expect(parseCidr('127.16.24.0/21')).toEqual({ base: parseIpv4('127.16.24.0'), prefix: 21 });
    expect(parseCidr('127.16.25.0/21')).toBeUndefined(); // host bits set
    expect(parseCidr('127.16.24.0/33')).toBeUndefined();
  });

  it('accepts only cluster CIDRs inside 127.0.0.0/8 with a fitting node mask', () => {
    expect(clusterCidrProblems('127.128.16.0/20', 26)).toEqual([]);
    expect(clusterCidrProblems('10.244.0.0/16', 24).map((p) => p.field)).toEqual(['clusterCidr']);
    expect(clusterCidrProblems('126.0.0.0/7', 24).map((p) => p.field)).toEqual(['clusterCidr']);
    expect(clusterCidrProblems('127.0.0.0/24', 23).map((p) => p.field)).toEqual([
      'nodeCidrMaskSize',
    ]);
    expect(clusterCidrProblems('127.0.0.0/24', 31).map((p) => p.field)).toEqual([
      'nodeCidrMaskSize',
    ]);
  });
});

describe('CidrSet', () => {
  it('hands out the node CIDRs in order, skips taken ones and runs out', () => {
    const set = new CidrSet('127.16.24.0/24', 26);
    expect(set.capacity).toBe(4);
    set.occupy('127.16.24.64/26');
    expect(set.allocateNext()).toBe('127.16.24.0/26');
    expect(set.allocateNext()).toBe('127.16.24.128/26');
    expect(set.allocateNext()).toBe('127.16.24.192/26');
    expect(() => set.allocateNext()).toThrow(CidrSetExhaustedError);
    set.release('127.16.24.64/26');
    expect(set.allocated).toBe(3);
    expect(set.allocateNext()).toBe('127.16.24.64/26');
  });

  it('does not reuse a released CIDR at once (round robin)', () => {
    const set = new CidrSet('127.16.24.0/24', 26);
    const a = set.allocateNext();
    set.release(a);
    expect(set.allocateNext()).toBe('127.16.24.64/26');
  });

  it('refuses to occupy CIDRs outside the set or of another size; release ignores them', () => {
    const set = new CidrSet('127.16.24.0/24', 26);
    expect(() => set.occupy('127.16.25.0/26')).toThrow(CidrOutOfRangeError);
    expect(() => set.occupy('127.16.24.0/25')).toThrow(CidrOutOfRangeError);
    set.release('127.16.25.0/26');
    expect(set.allocated).toBe(0);
    expect(set.isUsed('127.16.25.0/26')).toBe(false);
  });
});
