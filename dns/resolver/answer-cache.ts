import { readName } from '../wire/dns-wire.js';
import type { StoredAnswer } from '../wire/stored-answer.js';

/**
 * A cached response: the encoded bytes plus the offsets a replay patches (ID, question case,
 * TTLs, round-robin order), so hits never re-encode.
 */
export interface CacheEntry extends StoredAnswer {
  storedAt: number;
  expiresAt: number;
  /** Hits served so far; the round-robin rotation of the next replay. */
  turn: number;
  /** The cache's insertion count when this entry last moved to the young end. */
  seq: number;
}

/** Options for {@link AnswerCache}. */
export interface AnswerCacheOptions {
  maxEntries?: number;
  /** Upper bound for negative answers (NXDOMAIN / NODATA), seconds. @defaultValue 30 */
  negativeCapSeconds?: number;
  /** Upper bound for positive answers, seconds. @defaultValue 3600 */
  maxTtlSeconds?: number;
  now?: () => number;
}

/**
 * TTL-honouring answer cache with approximately-LRU eviction (Map insertion order: the oldest
 * entry goes first). A hit moves its entry to the young end only once a quarter of the capacity
 * has been inserted since the entry last moved: an entry hit at least that often is never
 * evicted, and a hit on a young entry costs no Map delete and re-insert (on the resolver's cache
 * hit path that pair was about 5 % of the CPU per answer).
 */
export class AnswerCache {
  private readonly map = new Map<string, CacheEntry>();
  private readonly max: number;
  /** Insertions (stores and moves to the young end) so far. */
  private inserts = 0;
  readonly negativeCap: number;
  readonly maxTtl: number;
  private readonly now: () => number;
  hits = 0;
  misses = 0;

  constructor(opts: AnswerCacheOptions = {}) {
    this.max = opts.maxEntries ?? 10_000;
    this.negativeCap = opts.negativeCapSeconds ?? 30;
    this.maxTtl = opts.maxTtlSeconds ?? 3600;
    this.now = opts.now ?? Date.now;
  }

  /** The entry and its age in whole seconds, if present and fresh. */
  get(key: string): { entry: CacheEntry; ageSeconds: number } | undefined {
    const e = this.map.get(key);
    const now = this.now();
    if (!e || e.expiresAt <= now) {
      if (e) this.map.delete(key);
      this.misses++;
      return undefined;
    }
    if (this.inserts - e.seq > this.max >> 2) {
      this.map.delete(key);
      this.map.set(key, e);
      e.seq = ++this.inserts;
    }
    this.hits++;
    return { entry: e, ageSeconds: Math.floor((now - e.storedAt) / 1000) };
  }

  /**
   * Stores raw response bytes for `ttlSeconds` (0 = not cached); replays patch only ID, question
   * and TTLs. Prefer {@link AnswerCache.store} for a scanned answer.
   */
  set(key: string, bytes: Buffer, ttlOffsets: number[], ttlSeconds: number): void {
    let questionEnd = 0;
    try {
      questionEnd = bytes.length > 12 ? readName(bytes, 12).end + 4 : 0;
    } catch {
      // a malformed question: replays keep the stored one (questionEnd never matches a query's)
    }
    this.store(
      key,
      { bytes, ttlOffsets, ownerPatches: [], rotation: undefined, questionEnd },
      ttlSeconds,
    );
  }

  /** Stores a prepared answer for `ttlSeconds` (0 = not cached). */
  store(key: string, answer: StoredAnswer, ttlSeconds: number): void {
    if (ttlSeconds <= 0) return;
    const now = this.now();
    this.map.delete(key);
    this.map.set(key, {
      ...answer,
      storedAt: now,
      expiresAt: now + ttlSeconds * 1000,
      turn: 0,
      seq: ++this.inserts,
    });
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }

  /**
   * Drops every entry for `name` (lower case) and the names below it, whatever the type, class or
   * scope: keys start with the question name up to the first `|`. Returns how many were dropped.
   */
  dropUnder(name: string): number {
    const below = `.${name}`;
    let n = 0;
    for (const key of this.map.keys()) {
      const q = key.slice(0, key.indexOf('|'));
      if (q === name || q.endsWith(below)) {
        this.map.delete(key);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}
