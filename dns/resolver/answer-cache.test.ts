import { describe, expect, it } from 'vitest';
import { parseQuery } from '../wire/dns-wire.js';
import { newQuestionScan, scanPlainQuery } from '../wire/question-key.js';
import type { StoredAnswer } from '../wire/stored-answer.js';
import { AnswerCache, cacheKey, ednsMode, type CacheKey } from './answer-cache.js';

const answer: StoredAnswer = {
  bytes: Buffer.alloc(12),
  ttlOffsets: [],
  ownerPatches: [],
  rotation: undefined,
  questionEnd: 12,
};

/** An A query for `name`, with a plain OPT record when `edns`. */
function query(name: string, edns = false): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([
    Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, edns ? 1 : 0]),
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]),
    edns ? Buffer.from([0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0]) : Buffer.alloc(0),
  ]);
}

function keyOf(name: string, scope?: string): CacheKey {
  const q = query(name);
  const k = cacheKey(q, parseQuery(q), scope);
  if (!k) throw new Error('uncacheable');
  return k;
}

/** Looks `name` up the way the resolver's hit path does (a byte scan, no parse). */
function get(cache: AnswerCache, name: string, o: { edns?: boolean; ip?: string } = {}) {
  const q = query(name, o.edns);
  const s = newQuestionScan();
  if (!scanPlainQuery(q, s, 'any')) throw new Error('not a plain query');
  return cache.get(q, s, ednsMode(s), o.ip ?? '127.0.0.1');
}

/** A cache of `max` entries on a settable clock, with names k0..k(max-1) stored in order. */
function filled(max: number): { cache: AnswerCache; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const cache = new AnswerCache({ maxEntries: max, now: () => clock.now });
  for (let i = 0; i < max; i++) cache.store(keyOf(`k${String(i)}`), answer, 60);
  return { cache, clock };
}

describe('AnswerCache', () => {
  it('finds an entry by its question bytes, letter case aside, and apart by EDNS mode', () => {
    const cache = new AnswerCache();
    cache.store(keyOf('web.default.svc.a.local'), answer, 60);
    expect(get(cache, 'WEB.Default.svc.a.LOCAL')).toBeDefined();
    expect(get(cache, 'web.default.svc.a.local', { edns: true })).toBeUndefined();
    expect(get(cache, 'web.default.svc.a.loca')).toBeUndefined();
    expect(get(cache, 'web.default.svc.a.local.x')).toBeUndefined();
    expect(cache.hits).toBe(1);
    expect(cache.misses).toBe(3);
  });

  it("keeps scoped answers apart by the asking client's scope", () => {
    const cache = new AnswerCache({ scopeOf: (ip) => (ip.startsWith('127.0.1.') ? 'c1' : 'c2') });
    cache.store(keyOf('api.default.fleet.svc.z', 'c1'), answer, 60);
    expect(get(cache, 'api.default.fleet.svc.z', { ip: '127.0.1.9' })).toBeDefined();
    expect(get(cache, 'api.default.fleet.svc.z', { ip: '127.0.2.9' })).toBeUndefined();
    cache.store(keyOf('api.default.fleet.svc.z', 'c2'), { ...answer, questionEnd: 2 }, 60);
    expect(get(cache, 'api.default.fleet.svc.z', { ip: '127.0.2.9' })?.questionEnd).toBe(2);
    expect(get(cache, 'api.default.fleet.svc.z', { ip: '127.0.1.9' })?.questionEnd).toBe(12);
    expect(cache.size).toBe(2);
  });

  it('replaces an entry stored again under the same key', () => {
    const cache = new AnswerCache();
    cache.store(keyOf('a.b'), answer, 60);
    cache.store(keyOf('A.B'), { ...answer, questionEnd: 3 }, 60);
    expect(cache.size).toBe(1);
    expect(get(cache, 'a.b')?.questionEnd).toBe(3);
  });

  it('evicts the entry stored first when nothing was hit', () => {
    const { cache } = filled(8);
    cache.store(keyOf('new'), answer, 60);
    expect(cache.size).toBe(8);
    expect(get(cache, 'k0')).toBeUndefined();
    expect(get(cache, 'k1')).toBeDefined();
    expect(get(cache, 'new')).toBeDefined();
  });

  it('keeps an entry that is hit at least every quarter of the capacity', () => {
    const { cache } = filled(8);
    // k0 is the oldest: a hit moves it to the young end; hit after every second store
    // (8 / 4 = 2) from then on, it must never go
    expect(get(cache, 'k0')).toBeDefined();
    for (let i = 0; i < 40; i++) {
      cache.store(keyOf(`n${String(i)}`), answer, 60);
      if (i % 2 === 1) expect(get(cache, 'k0'), `store ${String(i)}`).toBeDefined();
    }
    expect(get(cache, 'k0')).toBeDefined();
    expect(get(cache, 'k1')).toBeUndefined();
  });

  it('evicts an entry hit only while young once it is the oldest', () => {
    const { cache } = filled(8);
    cache.store(keyOf('young'), answer, 60);
    // a hit right after the store moves nothing
    expect(get(cache, 'young')).toBeDefined();
    for (let i = 0; i < 8; i++) cache.store(keyOf(`n${String(i)}`), answer, 60);
    expect(get(cache, 'young')).toBeUndefined();
  });

  it('drops expired entries and reports the age of fresh ones', () => {
    const { cache, clock } = filled(4);
    clock.now += 30_500;
    expect(get(cache, 'k0')?.ageSeconds).toBe(30);
    clock.now += 30_000;
    expect(get(cache, 'k0')).toBeUndefined();
    expect(cache.size).toBe(3);
  });

  it('drops a name and the names below it, whatever the scope', () => {
    const cache = new AnswerCache();
    for (const n of ['svc.z', 'a.svc.z', 'b.a.svc.z', 'xsvc.z', 'other.z']) {
      cache.store(keyOf(n), answer, 60);
    }
    cache.store(keyOf('a.svc.z', 'c1'), answer, 60);
    expect(cache.dropUnder('svc.z')).toBe(4);
    expect(cache.size).toBe(2);
    expect(get(cache, 'xsvc.z')).toBeDefined();
    expect(get(cache, 'a.svc.z')).toBeUndefined();
  });

  it('stores nothing for a TTL of 0', () => {
    const cache = new AnswerCache();
    cache.store(keyOf('k'), answer, 0);
    expect(cache.size).toBe(0);
    expect(get(cache, 'k')).toBeUndefined();
  });
});
