import { describe, expect, it } from 'vitest';
import type { StoredAnswer } from '../wire/stored-answer.js';
import { AnswerCache } from './answer-cache.js';

const answer: StoredAnswer = {
  bytes: Buffer.alloc(12),
  ttlOffsets: [],
  ownerPatches: [],
  rotation: undefined,
  questionEnd: 12,
};

/** A cache of `max` entries on a settable clock, with keys k0..k(max-1) stored in order. */
function filled(max: number): { cache: AnswerCache; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const cache = new AnswerCache({ maxEntries: max, now: () => clock.now });
  for (let i = 0; i < max; i++) cache.store(`k${String(i)}`, answer, 60);
  return { cache, clock };
}

describe('AnswerCache', () => {
  it('evicts the entry stored first when nothing was hit', () => {
    const { cache } = filled(8);
    cache.store('new', answer, 60);
    expect(cache.size).toBe(8);
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k1')).toBeDefined();
    expect(cache.get('new')).toBeDefined();
  });

  it('keeps an entry that is hit at least every quarter of the capacity', () => {
    const { cache } = filled(8);
    // k0 is the oldest: a hit moves it to the young end; hit after every second store
    // (8 / 4 = 2) from then on, it must never go
    expect(cache.get('k0')).toBeDefined();
    for (let i = 0; i < 40; i++) {
      cache.store(`n${String(i)}`, answer, 60);
      if (i % 2 === 1) expect(cache.get('k0'), `store ${String(i)}`).toBeDefined();
    }
    expect(cache.get('k0')).toBeDefined();
    expect(cache.get('k1')).toBeUndefined();
  });

  it('evicts an entry hit only while young once it is the oldest', () => {
    const { cache } = filled(8);
    cache.store('young', answer, 60);
    // a hit right after the store moves nothing
    expect(cache.get('young')).toBeDefined();
    for (let i = 0; i < 8; i++) cache.store(`n${String(i)}`, answer, 60);
    expect(cache.get('young')).toBeUndefined();
  });

  it('drops expired entries and reports the age of fresh ones', () => {
    const { cache, clock } = filled(4);
    clock.now += 30_500;
    expect(cache.get('k0')?.ageSeconds).toBe(30);
    clock.now += 30_000;
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.size).toBe(3);
  });

  it('stores nothing for a TTL of 0', () => {
    const cache = new AnswerCache();
    cache.store('k', answer, 0);
    expect(cache.size).toBe(0);
    expect(cache.get('k')).toBeUndefined();
  });
});
