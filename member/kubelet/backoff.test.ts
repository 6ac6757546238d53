import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles the delay per failure up to the max, and reset starts over', () => {
    let now = 1000;
    const b = new Backoff({ initialMs: 10, maxMs: 35, now: () => now });
    expect(b.pending('k')).toBe(false);
    expect(b.remaining('k')).toBe(0);
    expect([b.fail('k'), b.fail('k'), b.fail('k'), b.fail('k')]).toEqual([10, 20, 35, 35]);
    expect(b.remaining('k')).toBe(35);
    now += 30;
    expect(b.remaining('k')).toBe(5);
    expect(b.lastDelay('k')).toBe(35);
    b.reset('k');
    expect(b.fail('k')).toBe(10);
  });

  it('keeps a period pending until consumed, keeping the doubled delay', () => {
    let now = 0;
    const b = new Backoff({ initialMs: 10, maxMs: 100, now: () => now });
    b.fail('k');
    now = 50;
    expect(b.pending('k')).toBe(true);
    expect(b.remaining('k')).toBe(0);
    b.consume('k');
    expect(b.pending('k')).toBe(false);
    expect(b.fail('k')).toBe(20);
  });

  it('retains only the keys asked for, and a zero initial delay never waits', () => {
    const b = new Backoff({ initialMs: 0, maxMs: 100 });
    expect([b.fail('a/1'), b.fail('a/1')]).toEqual([0, 0]);
    b.fail('b/1');
    b.retain((k) => k.startsWith('a/'));
    expect(b.pending('a/1')).toBe(true);
    expect(b.pending('b/1')).toBe(false);
  });
});
