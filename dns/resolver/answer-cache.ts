/** A cached response: the encoded bytes plus where its TTLs are, so hits only patch ID and TTLs. */
export interface CacheEntry {
  bytes: Buffer;
  ttlOffsets: number[];
  storedAt: number;
  expiresAt: number;
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

/** TTL-honouring answer cache with LRU eviction (Map insertion order). */
export class AnswerCache {
  private readonly map = new Map<string, CacheEntry>();
  private readonly max: number;
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
    this.map.delete(key);
    this.map.set(key, e);
    this.hits++;
    return { entry: e, ageSeconds: Math.floor((now - e.storedAt) / 1000) };
  }

  /** Stores for `ttlSeconds` (0 = not cached). */
  set(key: string, bytes: Buffer, ttlOffsets: number[], ttlSeconds: number): void {
    if (ttlSeconds <= 0) return;
    const now = this.now();
    this.map.delete(key);
    this.map.set(key, { bytes, ttlOffsets, storedAt: now, expiresAt: now + ttlSeconds * 1000 });
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}
