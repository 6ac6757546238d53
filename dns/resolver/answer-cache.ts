import type { Query } from '../wire/dns-wire.js';
import { lowerName, newQuestionScan, sameName, scanQuestion } from '../wire/question-key.js';
import type { QuestionScan } from '../wire/question-key.js';
import type { StoredAnswer } from '../wire/stored-answer.js';

/**
 * Whether a client spoke EDNS and set DO: part of the key, since a stored reply is the upstream's
 * answer to *that* kind of query, and an OPT record (or DNSSEC records) must not be replayed to a
 * client that sent none (RFC 6891 §7). 0: no EDNS, 1: EDNS, 2: EDNS with DO.
 */
export type EdnsMode = 0 | 1 | 2;

/** The EDNS mode of a scanned or parsed query. */
export function ednsMode(q: { edns: boolean; dnssecOk: boolean }): EdnsMode {
  return q.edns ? (q.dnssecOk ? 2 : 1) : 0;
}

/**
 * What an answer is cached under: the question (lower-cased wire name, type, class), the EDNS
 * mode, and for answers that depend on the asking client (`scoped`, e.g. federated locality) the
 * client's scope. Built on a miss ({@link cacheKey}); a hit needs none (see {@link AnswerCache.get}).
 */
export interface CacheKey {
  hash: number;
  /** The question name in wire form, lower-cased, root label excluded. */
  name: Buffer;
  /** The same name as the parser spells it (dotted, lower case), for {@link AnswerCache.dropUnder}. */
  qname: string;
  type: number;
  cls: number;
  edns: EdnsMode;
  scoped: boolean;
  /** The client's scope when `scoped`, else ''. */
  scope: string;
}

/**
 * The key of parsed query `q` (raw bytes `query`), scoped to `scope` when given; undefined when
 * its question name is compressed (such a query is forwarded, never cached).
 */
export function cacheKey(query: Buffer, q: Query, scope?: string): CacheKey | undefined {
  const s: QuestionScan = newQuestionScan();
  if (!scanQuestion(query, s, 'any')) return undefined;
  return {
    hash: s.hash,
    name: lowerName(query, s.nameEnd),
    qname: q.name,
    type: s.type,
    cls: s.cls,
    edns: ednsMode(q),
    scoped: scope !== undefined,
    scope: scope ?? '',
  };
}

/**
 * A cached response: the encoded bytes plus the offsets a replay patches (ID, question case,
 * TTLs, round-robin order), so hits never re-encode; chained by hash and in LRU order.
 */
export interface CacheEntry extends StoredAnswer, CacheKey {
  storedAt: number;
  expiresAt: number;
  /** Hits served so far; the round-robin rotation of the next replay. */
  turn: number;
  /** Whole seconds since the answer was stored, as of the last {@link AnswerCache.get}. */
  ageSeconds: number;
  /** The cache's insertion count when this entry last moved to the young end. */
  seq: number;
  /** The next entry whose question hashes alike. */
  next: CacheEntry | undefined;
  /** Neighbours in LRU order. */
  older: CacheEntry | undefined;
  younger: CacheEntry | undefined;
}

/** Options for {@link AnswerCache}. */
export interface AnswerCacheOptions {
  maxEntries?: number;
  /** Upper bound for negative answers (NXDOMAIN / NODATA), seconds. @defaultValue 30 */
  negativeCapSeconds?: number;
  /** Upper bound for positive answers, seconds. @defaultValue 3600 */
  maxTtlSeconds?: number;
  now?: () => number;
  /** The scope of a client address, for scoped entries. @defaultValue every client's is '' */
  scopeOf?: (clientIp: string) => string;
}

/**
 * TTL-honouring answer cache keyed by the raw question: a hit hashes the query's name bytes
 * (ASCII case folded) and type, and compares bytes along the hash chain, so it builds no name
 * string and parses nothing (see `question-key.ts`). Eviction is approximately LRU: a hit moves
 * its entry to the young end only once a quarter of the capacity has been inserted since the entry
 * last moved, so an entry hit at least that often is never evicted and a hit on a young entry
 * costs no relinking.
 */
export class AnswerCache {
  private readonly chains = new Map<number, CacheEntry>();
  private readonly max: number;
  private count = 0;
  /** Insertions (stores and moves to the young end) so far. */
  private inserts = 0;
  private oldest: CacheEntry | undefined;
  private youngest: CacheEntry | undefined;
  readonly negativeCap: number;
  readonly maxTtl: number;
  private readonly now: () => number;
  private readonly scopeOf: (clientIp: string) => string;
  hits = 0;
  misses = 0;

  constructor(opts: AnswerCacheOptions = {}) {
    this.max = opts.maxEntries ?? 10_000;
    this.negativeCap = opts.negativeCapSeconds ?? 30;
    this.maxTtl = opts.maxTtlSeconds ?? 3600;
    this.now = opts.now ?? Date.now;
    this.scopeOf = opts.scopeOf ?? (() => '');
  }

  /**
   * The fresh entry for the query `s` describes (a scan of `query`, see `scanPlainQuery`) in
   * EDNS mode `edns`, asked by `clientIp`; its `ageSeconds` is set. Drops an expired one.
   */
  get(query: Buffer, s: QuestionScan, edns: EdnsMode, clientIp: string): CacheEntry | undefined {
    let scope: string | undefined;
    let e = this.chains.get(s.hash);
    for (; e; e = e.next) {
      if (e.type !== s.type || e.cls !== s.cls || e.edns !== edns) continue;
      if (!sameName(query, s.nameEnd, e.name)) continue;
      if (e.scoped && e.scope !== (scope ??= this.scopeOf(clientIp))) continue;
      break;
    }
    const now = this.now();
    if (!e || e.expiresAt <= now) {
      if (e) this.remove(e);
      this.misses++;
      return undefined;
    }
    if (this.inserts - e.seq > this.max >> 2) {
      this.unlink(e);
      this.append(e);
      e.seq = ++this.inserts;
    }
    this.hits++;
    e.ageSeconds = Math.floor((now - e.storedAt) / 1000);
    return e;
  }

  /** Stores a prepared answer under `key` for `ttlSeconds` (0 = not cached), replacing any. */
  store(key: CacheKey, answer: StoredAnswer, ttlSeconds: number): void {
    if (ttlSeconds <= 0) return;
    const old = this.find(key);
    if (old) this.remove(old);
    const now = this.now();
    const e: CacheEntry = {
      ...answer,
      ...key,
      storedAt: now,
      expiresAt: now + ttlSeconds * 1000,
      turn: 0,
      ageSeconds: 0,
      seq: ++this.inserts,
      next: this.chains.get(key.hash),
      older: undefined,
      younger: undefined,
    };
    this.chains.set(key.hash, e);
    this.append(e);
    this.count++;
    while (this.count > this.max && this.oldest) this.remove(this.oldest);
  }

  /** The entry stored under exactly `key`, fresh or not. */
  private find(key: CacheKey): CacheEntry | undefined {
    for (let e = this.chains.get(key.hash); e; e = e.next) {
      if (e.type !== key.type || e.cls !== key.cls || e.edns !== key.edns) continue;
      if (e.scoped !== key.scoped || e.scope !== key.scope || !e.name.equals(key.name)) continue;
      return e;
    }
    return undefined;
  }

  /**
   * Drops every entry for `name` (lower case) and the names below it, whatever the type, class,
   * EDNS mode or scope. Returns how many were dropped.
   */
  dropUnder(name: string): number {
    const below = `.${name}`;
    let n = 0;
    for (let e = this.oldest; e;) {
      const next = e.younger;
      if (e.qname === name || e.qname.endsWith(below)) {
        this.remove(e);
        n++;
      }
      e = next;
    }
    return n;
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.chains.clear();
    this.oldest = undefined;
    this.youngest = undefined;
    this.count = 0;
  }

  /** Takes `e` out of its hash chain and the LRU order. */
  private remove(e: CacheEntry): void {
    const head = this.chains.get(e.hash);
    if (head === e) {
      if (e.next) this.chains.set(e.hash, e.next);
      else this.chains.delete(e.hash);
    } else {
      let p = head;
      while (p && p.next !== e) p = p.next;
      if (p) p.next = e.next;
    }
    this.unlink(e);
    this.count--;
  }

  private unlink(e: CacheEntry): void {
    if (e.older) e.older.younger = e.younger;
    else this.oldest = e.younger;
    if (e.younger) e.younger.older = e.older;
    else this.youngest = e.older;
    e.older = undefined;
    e.younger = undefined;
  }

  /** Puts `e` at the young end. */
  private append(e: CacheEntry): void {
    e.older = this.youngest;
    if (this.youngest) this.youngest.younger = e;
    else this.oldest = e;
    this.youngest = e;
  }
}
