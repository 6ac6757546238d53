import { appendOpt, optRecord } from './edns.js';
import { WireError } from './wire-error.js';

/** Record types used here. */
export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  ANY: 255,
} as const;
/** Response codes. */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** RFC 6891 §9: unsupported EDNS version; only expressible with an OPT record (12-bit rcode). */
  BADVERS: 16,
} as const;

/** The parts of a query the resolver routes and caches on. */
export interface Query {
  id: number;
  flags: number;
  name: string;
  type: number;
  cls: number;
  /** Offset just past the question section. */
  questionEnd: number;
  /** Largest UDP answer the client accepts (EDNS0 payload size, else 512). */
  udpSize: number;
  /** The query carries an EDNS0 OPT record (RFC 6891). */
  edns: boolean;
  /** The OPT record's EDNS version (0 without EDNS); above 0 is answered BADVERS. */
  ednsVersion: number;
  /** The OPT record's DO bit (DNSSEC OK, RFC 3225); false without EDNS. */
  dnssecOk: boolean;
}

/**
 * Walks a (possibly compressed) domain name and returns the offset just past it, pushing each
 * label onto `labels` when given (no string is built without). Rejects pointer loops and
 * oversize names. @throws WireError
 */
function walkName(buf: Buffer, offset: number, labels: string[] | undefined): number {
  let off = offset;
  let end = -1;
  let jumps = 0;
  let length = 0;
  for (;;) {
    if (off >= buf.length) throw new WireError('name runs past the end of the message');
    const len = buf[off] ?? 0;
    if ((len & 0xc0) === 0xc0) {
      if (off + 1 >= buf.length) throw new WireError('truncated compression pointer');
      if (++jumps > 64) throw new WireError('compression pointer loop');
      if (end < 0) end = off + 2;
      off = ((len & 0x3f) << 8) | (buf[off + 1] ?? 0);
      continue;
    }
    if ((len & 0xc0) !== 0) throw new WireError('bad label type');
    if (len === 0) {
      if (end < 0) end = off + 1;
      break;
    }
    if (off + 1 + len > buf.length) throw new WireError('label runs past the end of the message');
    length += len + 1;
    if (length > 255) throw new WireError('name longer than 255 octets');
    labels?.push(buf.toString('latin1', off + 1, off + 1 + len));
    off += 1 + len;
  }
  return end;
}

/** Reads a (possibly compressed) domain name. Rejects pointer loops and oversize names. */
export function readName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  const end = walkName(buf, offset, labels);
  return { name: labels.join('.').toLowerCase(), end };
}

/** Skips a name without decoding it (same checks as {@link readName}). */
function skipName(buf: Buffer, offset: number): number {
  return walkName(buf, offset, undefined);
}

/** Parses the header and the single question of a query. @throws WireError */
export function parseQuery(buf: Buffer): Query {
  if (buf.length < 12) throw new WireError('message shorter than a DNS header');
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) throw new WireError('not a query');
  const qd = buf.readUInt16BE(4);
  if (qd !== 1) throw new WireError(`expected one question, got ${String(qd)}`);
  const { name, end } = readName(buf, 12);
  if (end + 4 > buf.length) throw new WireError('truncated question');
  const q: Query = {
    id: buf.readUInt16BE(0),
    flags,
    name,
    type: buf.readUInt16BE(end),
    cls: buf.readUInt16BE(end + 2),
    questionEnd: end + 4,
    udpSize: 512,
    edns: false,
    ednsVersion: 0,
    dnssecOk: false,
  };
  // EDNS0: an OPT record in the additional section carries the payload size in its class field
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  if (ar > 0 && an === 0 && ns === 0) {
    let off = q.questionEnd;
    for (let i = 0; i < ar && off < buf.length; i++) {
      off = skipName(buf, off);
      if (off + 10 > buf.length) break;
      const type = buf.readUInt16BE(off);
      if (type === TYPE.OPT) {
        q.udpSize = Math.min(Math.max(buf.readUInt16BE(off + 2), 512), 4096);
        q.edns = true;
        q.ednsVersion = buf[off + 5] ?? 0;
        // the OPT "TTL" is extended-rcode(8) version(8) flags(16); DO is the top flag bit
        q.dnssecOk = (buf.readUInt16BE(off + 6) & 0x8000) !== 0;
      }
      off += 10 + buf.readUInt16BE(off + 8);
    }
  }
  return q;
}

/**
 * Whether `resp` answers `q`: exactly one question, the same name (case-insensitively, so 0x20
 * case randomisation upstream is tolerated), type and class. Used to reject forged or stray
 * replies (RFC 5452 §9.1). Never throws.
 */
export function answersQuestion(resp: Buffer, q: Query): boolean {
  try {
    if (resp.length < 12 || resp.readUInt16BE(4) !== 1) return false;
    const { name, end } = readName(resp, 12);
    if (end + 4 > resp.length) return false;
    return (
      name === q.name && resp.readUInt16BE(end) === q.type && resp.readUInt16BE(end + 2) === q.cls
    );
  } catch {
    return false;
  }
}

/** Where the answer section's A records sit, when they can be served in rotated order. */
export interface Rotation {
  /** Offset of the first answer record. */
  start: number;
  /** Size of each record (all equal). */
  size: number;
  count: number;
}

/** What the cache needs to know about a response. */
export interface ResponseInfo {
  rcode: number;
  truncated: boolean;
  answers: number;
  /** Byte offsets of every TTL field outside the OPT record. */
  ttlOffsets: number[];
  /** Smallest TTL among answers (undefined without answers). */
  minAnswerTtl: number | undefined;
  /** RFC 2308 negative TTL: min(SOA TTL, SOA minimum) from the authority section. */
  negativeTtl: number | undefined;
  /** The OPT record's byte range and TTL field (extended rcode, version, flags), if any. */
  opt: { start: number; end: number; ttl: number } | undefined;
  /**
   * Answer owner names spelled out (not compressed) that equal the question name, as
   * `[offset, literalLength, ...]` pairs: a replay copies the asker's letter case over them.
   */
  ownerPatches: number[];
  /**
   * Set when the answer ends in two or more A records of one size, after nothing or a CNAME chain
   * (round robin is possible).
   */
  rotation: Rotation | undefined;
}

/** Bytes of the uncompressed label run starting at `off` (up to a pointer or the root). */
function literalLength(buf: Buffer, off: number): number {
  let o = off;
  while (o < buf.length) {
    const len = buf[o] ?? 0;
    if (len === 0 || (len & 0xc0) !== 0) break;
    o += 1 + len;
  }
  return o - off;
}

/** Scans a response for TTL positions and caching facts. @throws WireError */
export function scanResponse(buf: Buffer): ResponseInfo {
  if (buf.length < 12) throw new WireError('response shorter than a DNS header');
  const flags = buf.readUInt16BE(2);
  const counts = [
    buf.readUInt16BE(4),
    buf.readUInt16BE(6),
    buf.readUInt16BE(8),
    buf.readUInt16BE(10),
  ];
  let off = 12;
  const qname = (counts[0] ?? 0) > 0 ? readName(buf, 12).name : undefined;
  for (let i = 0; i < (counts[0] ?? 0); i++) off = skipName(buf, off) + 4;
  const info: ResponseInfo = {
    rcode: flags & 0x0f,
    truncated: (flags & 0x0200) !== 0,
    answers: counts[1] ?? 0,
    ttlOffsets: [],
    minAnswerTtl: undefined,
    negativeTtl: undefined,
    opt: undefined,
    ownerPatches: [],
    rotation: undefined,
  };
  // the A records rotate when they all have one size; a CNAME chain may lead them (a chased answer)
  let sameSizeA = true;
  let aCount = 0;
  let rrSize = -1;
  for (let section = 1; section <= 3; section++) {
    for (let i = 0; i < (counts[section] ?? 0); i++) {
      const start = off;
      if (section === 1 && qname !== undefined && (buf[off] ?? 0) < 0xc0) {
        const owner = readName(buf, off);
        if (owner.name === qname) info.ownerPatches.push(off, literalLength(buf, off));
      }
      off = skipName(buf, off);
      if (off + 10 > buf.length) throw new WireError('truncated resource record');
      const type = buf.readUInt16BE(off);
      const ttl = buf.readUInt32BE(off + 4);
      const rdlen = buf.readUInt16BE(off + 8);
      if (off + 10 + rdlen > buf.length) {
        throw new WireError('rdata runs past the end of the message');
      }
      if (type !== TYPE.OPT) info.ttlOffsets.push(off + 4);
      else info.opt = { start, end: off + 10 + rdlen, ttl };
      if (section === 1) {
        info.minAnswerTtl = Math.min(info.minAnswerTtl ?? ttl, ttl);
        const size = off + 10 + rdlen - start;
        // only pointer-owned records rotate: their owner patches (none) and TTLs sit at the same
        // relative offsets in every record, so a rotation keeps every stored offset valid
        const pointerOwner = off - start === 2;
        if (type === TYPE.CNAME && aCount === 0) {
          // part of the chain in front of the A records: stays in place
        } else if (type !== TYPE.A || !pointerOwner || (rrSize >= 0 && size !== rrSize)) {
          sameSizeA = false;
        } else {
          if (aCount === 0) info.rotation = { start, size, count: 0 };
          aCount++;
          rrSize = size;
        }
      }
      if (section === 2 && type === TYPE.SOA) {
        const rd = off + 10;
        const afterMname = skipName(buf, rd);
        const afterRname = skipName(buf, afterMname);
        if (afterRname + 20 <= buf.length) {
          info.negativeTtl = Math.min(ttl, buf.readUInt32BE(afterRname + 16));
        }
      }
      off += 10 + rdlen;
    }
  }
  if (info.rotation && sameSizeA && aCount >= 2) info.rotation.count = aCount;
  else info.rotation = undefined;
  return info;
}

/** A copy of `buf` answering query `id`, with every TTL lowered by `elapsedSeconds`. */
export function reuseAnswer(
  buf: Buffer,
  id: number,
  ttlOffsets: number[],
  elapsedSeconds: number,
): Buffer {
  const out = Buffer.from(buf);
  out.writeUInt16BE(id, 0);
  if (elapsedSeconds > 0) {
    for (const o of ttlOffsets) {
      out.writeUInt32BE(Math.max(0, out.readUInt32BE(o) - elapsedSeconds), o);
    }
  }
  return out;
}

/**
 * A header-only response (rcode, copy of the question when available). It echoes the query's ID,
 * opcode and RD bit (RFC 1035 §4.1.1: dig discards a reply whose opcode differs), and an OPT
 * record when the query had one (RFC 6891 §7), carrying the high bits of an extended rcode such as
 * BADVERS and an optional Extended DNS Error (RFC 8914).
 */
export function errorResponse(
  query: Buffer,
  rcode: number,
  q?: Query,
  ede?: { code: number; text?: string },
): Buffer {
  const qlen = q ? q.questionEnd - 12 : 0;
  const out = Buffer.alloc(12 + qlen);
  query.copy(out, 0, 0, 2);
  const qflags = query.length >= 4 ? query.readUInt16BE(2) : 0;
  out.writeUInt16BE(0x8000 | (qflags & 0x7900) | 0x0080 | (rcode & 0x0f), 2);
  out.writeUInt16BE(q ? 1 : 0, 4);
  if (q) query.copy(out, 12, 12, q.questionEnd);
  if (!q?.edns) return out;
  return appendOpt(
    out,
    optRecord({ dnssecOk: q.dnssecOk, extendedRcode: rcode >> 4, ...(ede ? { ede } : {}) }),
  );
}

/**
 * The truncated form of a response: header with TC set and the question only (RFC 2181 §9), plus
 * an OPT record when the query had EDNS, so the client still learns the server's payload size.
 */
export function truncate(resp: Buffer, q: Query): Buffer {
  const out = Buffer.alloc(q.questionEnd);
  resp.copy(out, 0, 0, 12);
  out.writeUInt16BE(out.readUInt16BE(2) | 0x0200, 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  const qs = 12;
  // the question is copied from the response, which repeats it right after the header
  resp.copy(out, qs, qs, q.questionEnd);
  return q.edns ? appendOpt(out, optRecord({ dnssecOk: q.dnssecOk })) : out;
}
