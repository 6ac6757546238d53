import { scanResponse } from '../wire/dns-wire.js';
import { EDE, optRecord } from '../wire/edns.js';
import {
  lowerName,
  newQuestionScan,
  sameName,
  sameQuestion,
  scanPlainQuery,
  type QuestionScan,
} from '../wire/question-key.js';

/** RCODE REFUSED: its OPT carries the Extended DNS Error "Not Authoritative" (RFC 8914 §4.21). */
const RCODE_REFUSED = 5;

/** One stored reply: the slow path's bytes for a query without EDNS, plus what a replay patches. */
interface TableEntry {
  /** The question name in wire form, lower-cased, root label excluded. */
  name: Buffer;
  type: number;
  /** The reply as built for the first asker, without an OPT record. */
  bytes: Buffer;
  /** Answer owner names spelled out that equal the question, as `[offset, length, ...]`. */
  ownerPatches: number[];
  /** The OPT record appended for EDNS askers (DO clear; a replay sets it from the query). */
  opt: Buffer;
  /** The next entry whose name and type hash alike. */
  next: TableEntry | undefined;
}

/**
 * What {@link AnswerTable.scan} learnt about the last query it accepted. One object reused for
 * every query, so the fast path allocates nothing but the reply.
 */
export type TableScan = QuestionScan;

/** Options for {@link AnswerTable}. */
export interface AnswerTableOptions {
  /**
   * Stored replies at most; the table is emptied when a new one would exceed it, so a flood of
   * distinct names costs memory for at most this many. @defaultValue 50000
   */
  maxEntries?: number;
}

/**
 * The cluster DNS fast path: replies by (question name, type), encoded once by the slow path and
 * replayed per query with the asker's ID, RD bit, question (its letter case, RFC 4343 / 0x20)
 * and, for EDNS askers, an OPT record with their DO bit. Owners compressed to the question take
 * the asker's case with it; owners spelled out are patched.
 *
 * The table never decides an answer: only well-formed plain queries (opcode QUERY, class IN,
 * one question of letter/digit/hyphen/underscore labels, no answer or authority records, at
 * most one OPT of version 0 and nothing after it) are looked up, and everything else, as well
 * as every miss, takes the slow path, whose reply is then stored. The owner empties it whenever
 * the data behind the answers changes ({@link AnswerTable.clear}), so a stored reply is always
 * the one the slow path would build now; TTLs are the zone's fixed TTL, never aged.
 */
export class AnswerTable {
  /** hash of name and type → entries (chained on collisions). */
  private readonly entriesByHash = new Map<number, TableEntry>();
  private readonly max: number;
  private size = 0;
  /** The scratch result of the last {@link AnswerTable.scan}. */
  readonly scanned: TableScan = newQuestionScan();

  constructor(opts: AnswerTableOptions = {}) {
    this.max = opts.maxEntries ?? 50_000;
  }

  /** Stored replies. */
  get entries(): number {
    return this.size;
  }

  clear(): void {
    this.entriesByHash.clear();
    this.size = 0;
  }

  /**
   * Checks whether `query` is a plain query the table may answer; on true, {@link scanned}
   * describes it. Never throws; reads only inside `query`.
   */
  scan(query: Buffer): boolean {
    return scanPlainQuery(query, this.scanned, 'hostname');
  }

  /** The stored reply to the query {@link scan} just accepted, or undefined on a miss. */
  reply(query: Buffer): Buffer | undefined {
    const s = this.scanned;
    const e = this.find(query);
    if (!e) return undefined;
    const base = e.bytes;
    const baseLen = base.length;
    const out = Buffer.allocUnsafe(s.edns ? baseLen + e.opt.length : baseLen);
    out.set(base, 0);
    out[0] = query[0] ?? 0;
    out[1] = query[1] ?? 0;
    // RD is echoed (RFC 1035 §4.1.1); every other header bit is the slow path's
    out[2] = ((out[2] ?? 0) & 0xfe) | ((query[2] ?? 0) & 0x01);
    const qEnd = s.questionEnd;
    for (let i = 12; i < qEnd; i++) out[i] = query[i] ?? 0;
    const p = e.ownerPatches;
    for (let k = 0; k + 1 < p.length; k += 2) {
      const at = p[k] ?? 0;
      const n = p[k + 1] ?? 0;
      for (let i = 0; i < n; i++) out[at + i] = query[12 + i] ?? 0;
    }
    if (s.edns) {
      out.set(e.opt, baseLen);
      if (s.dnssecOk) out[baseLen + 7] = 0x80;
      out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
    }
    return out;
  }

  /** The entry for the scanned query's name (any letter case) and type. */
  private find(query: Buffer): TableEntry | undefined {
    const s = this.scanned;
    let e = this.entriesByHash.get(s.hash);
    for (; e; e = e.next) {
      if (e.type === s.type && sameName(query, s.nameEnd, e.name)) return e;
    }
    return undefined;
  }

  /**
   * Stores the slow path's reply (`resp`, without an OPT record) to the query {@link scan} just
   * accepted. Skips a reply whose question is not the query's, letter case aside.
   */
  store(query: Buffer, resp: Buffer): void {
    const s = this.scanned;
    const qEnd = s.questionEnd;
    if (resp.length < qEnd || resp.readUInt16BE(4) !== 1) return;
    if (!sameQuestion(resp, query, qEnd)) return;
    let ownerPatches: number[];
    try {
      ownerPatches = scanResponse(resp).ownerPatches;
    } catch {
      return;
    }
    // each question once (store follows a miss, so this holds anyway)
    if (this.find(query)) return;
    if (this.size >= this.max) this.clear();
    const name = lowerName(query, s.nameEnd);
    const refused = ((resp[3] ?? 0) & 0x0f) === RCODE_REFUSED;
    this.entriesByHash.set(s.hash, {
      name,
      type: s.type,
      bytes: Buffer.from(resp),
      ownerPatches,
      opt: optRecord({
        dnssecOk: false,
        ...(refused ? { ede: { code: EDE.NOT_AUTHORITATIVE } } : {}),
      }),
      next: this.entriesByHash.get(s.hash),
    });
    this.size++;
  }
}
