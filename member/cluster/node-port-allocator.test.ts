import { describe, expect, it } from 'vitest';
import { NodePortAllocator, parsePortRange } from './node-port-allocator.js';

describe('NodePortAllocator', () => {
  it('allocates distinct ports of the range and holds chosen ones for their Service', () => {
    const a = new NodePortAllocator({ range: '30000-30003' });
    expect(a.reserve(30001, 'ns/a')).toBe(true);
    expect(a.reserve(30001, 'ns/a')).toBe(true); // same Service again (an update)
    expect(a.reserve(30001, 'ns/b')).toBe(false);
    expect(a.ownerOf(30001)).toBe('ns/a');
    expect([a.allocate('ns/b'), a.allocate('ns/b'), a.allocate('ns/c')]).toEqual([
      30000, 30002, 30003,
    ]);
    expect(() => a.allocate('ns/d')).toThrow(/exhausted/);
    a.release(30002);
    expect(a.allocate('ns/d')).toBe(30002);
    expect([a.inRange(30003), a.inRange(30004), a.inRange(29999)]).toEqual([true, false, false]);
  });

  it('releases ports unused for longer than the grace', () => {
    let now = 0;
    const a = new NodePortAllocator({ now: () => now });
    const [old, used] = [a.allocate('x/a'), a.allocate('x/b')];
    now = 10_000;
    const young = a.allocate('x/c');
    now = 15_000;
    expect(a.releaseUnused(new Set([used]), 10_000)).toEqual([old]);
    expect(a.size).toBe(2);
    expect(young).toBe(30002);
  });

  it('parses FIRST-LAST ranges', () => {
    expect(parsePortRange('30000-32767')).toEqual({ first: 30000, last: 32767 });
    for (const bad of ['32767-30000', '0-10', '1-65536', '30000', 'a-b']) {
      expect(parsePortRange(bad)).toBeUndefined();
    }
  });
});
