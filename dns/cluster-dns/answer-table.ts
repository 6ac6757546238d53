import { scanResponse } from '../wire/dns-wire.js';
import { EDE, optRecord } from '../wire/edns.js';

/** Class IN: the only class answered from the table (others are REFUSED on the slow path). */
const CLASS_IN = 1;
/** The OPT pseudo-record type (RFC 6891). */
const TYPE_OPT = 41;
/** FNV-1a (32 bits): hashes the question name and type without building a string. */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
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
export interface TableScan {
  /** FNV-1a of the lower-cased wire name and the type. */
  hash: number;
  type: number;
  /** Offset of the question name's root label. */
  nameEnd: number;
  /** Offset just past the question. */
  questionEnd: number;
  edns: boolean;
  dnssecOk: boolean;
}

/** a-z, 0-9, '-' or '_': the bytes of the names the table answers. */
function isNameByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
}

/** A byte with A-Z folded to a-z (RFC 4343: ASCII case only). */
function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

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
  readonly scanned: TableScan = {
    hash: 0,
    type: 0,
    nameEnd: 0,
    questionEnd: 0,
    edns: false,
    dnssecOk: false,
  };

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
    const len = query.length;
    // QR 0, opcode QUERY; QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0 or 1
    if (len < 17 || (query[2] ?? 0xff) & 0xf8) return false;
    if (query[4] !== 0 || query[5] !== 1 || query[6] !== 0 || query[7] !== 0) return false;
    if (query[8] !== 0 || query[9] !== 0 || query[10] !== 0) return false;
    const ar = query[11] ?? 0xff;
    if (ar > 1) return false;
    let off = 12;
    let h = FNV_OFFSET;
    for (;;) {
      const l = query[off] ?? 0xff;
      if (l === 0) break;
      if (l > 63 || off + 1 + l >= len) return false;
      h = Math.imul(h ^ l, FNV_PRIME);
      for (let i = off + 1; i <= off + l; i++) {
        let c = query[i] ?? 0;
        // A-Z hash as a-z; anything but a letter, digit, '-' or '_' is the slow path's business
        if (c >= 0x41 && c <= 0x5a) {
          c |= 0x20;
        } else if (!isNameByte(c)) {
          return false;
        }
        h = Math.imul(h ^ c, FNV_PRIME);
      }
      off += 1 + l;
      // 255 octets at most, root label included (RFC 1035 §3.1)
      if (off - 12 > 254) return false;
    }
    const nameEnd = off;
    const questionEnd = nameEnd + 5;
    if (questionEnd > len || query.readUInt16BE(nameEnd + 3) !== CLASS_IN) return false;
    const s = this.scanned;
    s.edns = false;
    s.dnssecOk = false;
    if (ar === 0) {
      if (questionEnd !== len) return false;
    } else {
      // the OPT record: root owner, type 41, version 0, and it ends the message
      if (questionEnd + 11 > len || query[questionEnd] !== 0) return false;
      if (query.readUInt16BE(questionEnd + 1) !== TYPE_OPT || query[questionEnd + 6] !== 0) {
        return false;
      }
      if (questionEnd + 11 + query.readUInt16BE(questionEnd + 9) !== len) return false;
      s.edns = true;
      s.dnssecOk = ((query[questionEnd + 7] ?? 0) & 0x80) !== 0;
    }
    const type = query.readUInt16BE(nameEnd + 1);
    s.hash = Math.imul(Math.imul(h ^ (type >> 8), FNV_PRIME) ^ (type & 0xff), FNV_PRIME);
    s.type = type;
    s.nameEnd = nameEnd;
    s.questionEnd = questionEnd;
    return true;
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
    const n = s.nameEnd - 12;
    let e = this.entriesByHash.get(s.hash);
    for (; e; e = e.next) {
      if (e.type !== s.type || e.name.length !== n) continue;
      const name = e.name;
      let i = 0;
      for (; i < n; i++) {
        const c = query[12 + i] ?? 0;
        if (lower(c) !== name[i]) break;
      }
      if (i === n) return e;
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
    for (let i = 12; i < qEnd; i++) {
      if (lower(resp[i] ?? 0) !== lower(query[i] ?? 0)) return;
    }
    let ownerPatches: number[];
    try {
      ownerPatches = scanResponse(resp).ownerPatches;
    } catch {
      return;
    }
    // each question once (store follows a miss, so this holds anyway)
    if (this.find(query)) return;
    if (this.size >= this.max) this.clear();
    const name = Buffer.from(query.subarray(12, s.nameEnd));
    for (let i = 0; i < name.length; i++) name[i] = lower(name[i] ?? 0);
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
